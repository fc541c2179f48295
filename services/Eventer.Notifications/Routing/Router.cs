using Eventer.Contracts;

namespace Eventer.Notifications.Routing;

/// <summary>Where one occurrence goes: a target, with the route that chose it and the mentions it adds.</summary>
public sealed record AlertTarget(string Target, string Route, Mentions Mentions);

/// <summary>
/// The route tree: routes in order, the first match decides (unless it continues); silences take
/// out what they cover; a Warning no route matched goes to the default target, a Normal nowhere.
/// </summary>
public sealed class Router
{
    /// <summary>The route name given to the built-in "Warnings to the default robot" rule.</summary>
    public const string DefaultRoute = "default";

    private readonly List<(RouteRule Options, string Name, EventMatcher Matcher)> _routes;
    private readonly List<(SilenceOptions Options, EventMatcher Matcher)> _silences;
    private readonly string? _defaultTarget;

    public Router(DeliveryOptions options)
    {
        _routes = [.. options.RouteRules().Select((r, i) => (r, r.DisplayName(i), new EventMatcher(r.Match)))];
        _silences = [.. options.Silences.Select(s => (s, new EventMatcher(s.Match)))];
        _defaultTarget = options.FallbackTarget();
    }

    /// <summary>The targets this occurrence goes to (none when dropped, silenced or unrouted), and why not when none.</summary>
    public RoutingResult Route(KubeEventObserved occurrence, DateTimeOffset now)
    {
        var targets = new List<AlertTarget>();
        var silenced = 0;
        foreach (var (route, name, matcher) in _routes)
        {
            if (!matcher.Matches(occurrence))
            {
                continue;
            }

            if (route.Drop)
            {
                return new RoutingResult(targets, targets.Count == 0 ? $"dropped by route {name}" : null, silenced);
            }

            if (IsSilenced(occurrence, name, now))
            {
                silenced++;
            }
            else
            {
                var mentions = route.Mentions();
                var same = targets.FindIndex(t => t.Target == route.TargetName());
                if (same < 0)
                {
                    targets.Add(new AlertTarget(route.TargetName()!, name, mentions));
                }
                else
                {
                    // One message per target; a later route to the same target still adds whom it mentions.
                    targets[same] = targets[same] with { Mentions = targets[same].Mentions.Union(mentions) };
                }
            }

            if (!route.Continue)
            {
                return new RoutingResult(targets, null, silenced);
            }
        }

        if (targets.Count == 0 && silenced == 0 && occurrence.Type == "Warning" && _defaultTarget is not null)
        {
            if (IsSilenced(occurrence, DefaultRoute, now))
            {
                silenced++;
            }
            else
            {
                targets.Add(new AlertTarget(_defaultTarget, DefaultRoute, Mentions.None));
            }
        }

        return new RoutingResult(targets, targets.Count == 0 && silenced == 0 ? "matched no route" : null, silenced);
    }

    private bool IsSilenced(KubeEventObserved occurrence, string route, DateTimeOffset now) =>
        _silences.Any(s => s.Options.Until > now
            && (string.IsNullOrEmpty(s.Options.Route) || s.Options.Route == route)
            && s.Matcher.Matches(occurrence));
}

/// <summary>The outcome of routing one occurrence.</summary>
/// <param name="Targets">The targets it goes to.</param>
/// <param name="NotRoutedBecause">Why it goes nowhere (dropped, unrouted), or null.</param>
/// <param name="Silenced">How many targets a silence kept it from.</param>
public sealed record RoutingResult(IReadOnlyList<AlertTarget> Targets, string? NotRoutedBecause, int Silenced);
