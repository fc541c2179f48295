using Eventer.Notifications.Rendering;

namespace Eventer.Notifications.Routing;

/// <summary>
/// One route (<c>&lt;Section&gt;:Routes:&lt;i&gt;</c>): occurrences it matches are dropped or sent to a
/// target with the route's template (and, where the platform has them, mentions). The first matching
/// route decides, unless it says <see cref="Continue"/> (then later routes may send to other targets
/// too). A sink derives its route with the key that names the target (DingTalk: <c>Robot</c>).
/// </summary>
public abstract class RouteRule
{
    /// <summary>A name for logs, metrics, silences and error messages; defaults to <c>route-&lt;i&gt;</c>.</summary>
    public string? Name { get; set; }

    public MatchOptions Match { get; set; } = new();

    /// <summary>Matching occurrences are not sent anywhere.</summary>
    public bool Drop { get; set; }

    /// <summary>A Liquid template replacing the built-in alert text for this route.</summary>
    public string? Template { get; set; }

    /// <summary>Keep evaluating later routes after this one matched.</summary>
    public bool Continue { get; set; }

    /// <summary>The target this route sends to, by name (null when it drops).</summary>
    public abstract string? TargetName();

    /// <summary>The configuration key of the target name below the route, e.g. <c>Robot</c>.</summary>
    protected abstract string TargetKey { get; }

    /// <summary>Whom a message from this route mentions; none unless the sink's routes say.</summary>
    public virtual Mentions Mentions() => Routing.Mentions.None;

    public string DisplayName(int index) => string.IsNullOrWhiteSpace(Name) ? $"route-{index}" : Name;

    /// <summary>Problems with this route; keys start with ':' and are relative to the route.</summary>
    /// <param name="targets">The configured target names.</param>
    /// <param name="noun">What a target is called, e.g. "robot".</param>
    public IEnumerable<ConfigProblem> Problems(IEnumerable<string> targets, string noun)
    {
        foreach (var problem in EventMatcher.Problems(Match))
        {
            yield return problem with { Key = ":Match:" + problem.Key };
        }

        var target = TargetName();
        if (Drop && !string.IsNullOrEmpty(target))
        {
            yield return new ConfigProblem(":Drop", $"drops what it matches, so it cannot also name a {noun}");
        }

        if (!Drop && string.IsNullOrEmpty(target))
        {
            yield return new ConfigProblem(":" + TargetKey, "is required unless the route drops what it matches");
        }

        if (!string.IsNullOrEmpty(target) && !targets.Contains(target))
        {
            yield return new ConfigProblem(":" + TargetKey, $"names {noun} '{target}', which is not configured");
        }

        if (Template is { Length: > 0 } && AlertTemplates.ParseProblem(Template) is { } templateProblem)
        {
            yield return new ConfigProblem(":Template", templateProblem);
        }

        foreach (var problem in OwnProblems())
        {
            yield return problem;
        }
    }

    /// <summary>Problems with the sink's own settings of a route.</summary>
    protected virtual IEnumerable<ConfigProblem> OwnProblems() => [];
}
