using System.ComponentModel.DataAnnotations;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Eventer.ServiceDefaults;

namespace Eventer.Notifications;

/// <summary>
/// What every notifier is configured with, below its own section: routes and silences, how alerts
/// look, and how storms are tamed. A sink derives it and adds its targets under its own key
/// (DingTalk: <c>Robots</c>, <c>DefaultRobot</c>) and its routes (<c>Routes</c>).
/// </summary>
public abstract class DeliveryOptions : IValidatableObject
{
    /// <summary>Silences: until a silence ends, the occurrences it covers are not sent (and not kept for later).</summary>
    public List<SilenceOptions> Silences { get; set; } = [];

    /// <summary>IANA or Windows time zone id for the times in alerts; UTC unless set, so nobody is surprised by 8 hours.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// Alerts are about now: an occurrence that was last seen longer than this before it reached the
    /// notifier (a collector's first list, a backlog after an outage) is not sent on its own but
    /// counted in one "held back" summary.
    /// </summary>
    [TimeSpanRange("00:00:01", "7.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>After an alert about an object and reason, repeats within this window are folded into one later alert.</summary>
    [TimeSpanRange("00:00:00", "1.00:00:00")]
    public TimeSpan FoldWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often pending alerts are looked at; a burst that arrives within one interval is planned as a whole.</summary>
    [TimeSpanRange("00:00:00.050", "00:01:00")]
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait after the platform answers "too fast" without saying how long (doubling while it repeats, up to 10 minutes).</summary>
    [TimeSpanRange("00:00:00.100", "00:10:00")]
    public TimeSpan ThrottleBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest pause after failures that may pass (5xx, timeouts); pauses double from one second up to it.</summary>
    [TimeSpanRange("00:00:00.050", "00:10:00")]
    public TimeSpan LongestFailureBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a target the platform refused as misconfigured is tried again (its settings may be fixed at the platform's side).</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan MisconfiguredRetryInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The timeout of every call to the platform.</summary>
    [TimeSpanRange("00:00:00.100", "00:02:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Log rendered messages instead of sending them (to try routes and templates safely).</summary>
    public bool DryRun { get; set; }

    /// <summary>Optional Liquid template of a link under each alert, e.g. to Kibana or Grafana; values are URL-encoded.</summary>
    public string? LinkTemplate { get; set; }

    /// <summary>Optional base URL of the archive, named in summaries as the place to read every event.</summary>
    [Url]
    public string? ArchiveUrl { get; set; }

    /// <summary>
    /// How long the dispatcher lease lasts without renewal. One replica sends at a time; it renews
    /// the lease every third of this and stops sending a sixth of it before the lease expires when
    /// it cannot renew. The others try to take it every sixth of this, so a replica that vanishes
    /// (even without closing its connections) is replaced within 7/6 of it: 35 s by default.
    /// </summary>
    [TimeSpanRange("00:00:03", "00:10:00")]
    public TimeSpan DispatcherLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long sent alerts are remembered, so a redelivered message never notifies twice.</summary>
    [TimeSpanRange("00:01:00", "365.00:00:00")]
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The configured targets by name (the name appears in routes, metrics, logs and readiness; the address never does).</summary>
    public abstract IReadOnlyDictionary<string, TargetOptions> TargetSettings();

    /// <summary>The routes, in order.</summary>
    public abstract IReadOnlyList<RouteRule> RouteRules();

    /// <summary>Where a Warning no route matched goes: the configured default, else the only target when there is one.</summary>
    public string? FallbackTarget()
    {
        var targets = TargetSettings();
        return !string.IsNullOrEmpty(ConfiguredDefaultTarget()) ? ConfiguredDefaultTarget() : targets.Count == 1 ? targets.Keys.Single() : null;
    }

    /// <summary>The default target as configured, or null.</summary>
    protected abstract string? ConfiguredDefaultTarget();

    /// <summary>How the sink names things in configuration and messages.</summary>
    public abstract DeliveryVocabulary Words();

    public virtual IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var words = Words();
        var targets = TargetSettings();
        if (targets.Count == 0)
        {
            yield return new ValidationResult($"names no {words.Target}; add {words.Section}:{words.TargetsKey}:<name>:{words.AddressKey}", [words.TargetsKey]);
        }

        foreach (var (name, target) in targets)
        {
            foreach (var problem in target.Problems(DryRun))
            {
                yield return new ValidationResult(problem.Message, [$"{words.TargetsKey}:{name}:{problem.Key}"]);
            }
        }

        // Two names for one address would give one target two budgets: platforms count per address.
        foreach (var shared in targets.Where(t => !string.IsNullOrEmpty(t.Value.Address())).GroupBy(t => t.Value.Address()).Where(g => g.Count() > 1))
        {
            var names = shared.Select(t => t.Key).Order(StringComparer.Ordinal).ToList();
            yield return new ValidationResult(
                $"is the same {words.AddressKey.ToLowerInvariant()} as {words.Target} '{names[0]}'; one {words.Target} must be configured once",
                [$"{words.TargetsKey}:{names[1]}:{words.AddressKey}"]);
        }

        if (ConfiguredDefaultTarget() is { Length: > 0 } fallback && !targets.ContainsKey(fallback))
        {
            yield return new ValidationResult($"names {words.Target} '{fallback}', which is not configured", [words.DefaultTargetKey]);
        }

        var routes = RouteRules();
        for (var i = 0; i < routes.Count; i++)
        {
            foreach (var problem in routes[i].Problems(targets.Keys, words.Target))
            {
                yield return new ValidationResult($"route '{routes[i].DisplayName(i)}': {problem.Message}", [$"Routes:{i}{problem.Key}"]);
            }
        }

        // A silence may name the built-in route too: it holds only the Warnings no route matched.
        var routeNames = routes.Select((r, i) => r.DisplayName(i)).Append(Router.DefaultRoute).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < Silences.Count; i++)
        {
            foreach (var problem in Silences[i].Problems(routeNames))
            {
                yield return new ValidationResult($"silence {i}: {problem.Message}", [$"Silences:{i}{problem.Key}"]);
            }
        }

        if (AlertTimeZone.Find(TimeZone) is null)
        {
            yield return new ValidationResult($"'{TimeZone}' is not a known time zone (use an IANA id such as Asia/Shanghai)", [nameof(TimeZone)]);
        }

        if (LinkTemplate is { Length: > 0 } && AlertTemplates.ParseProblem(LinkTemplate) is { } linkProblem)
        {
            yield return new ValidationResult(linkProblem, [nameof(LinkTemplate)]);
        }
    }
}

/// <summary>How a sink names its section, its targets and their keys, in configuration, logs, metrics and readiness.</summary>
/// <param name="Section">The configuration section, e.g. <c>DingTalk</c>.</param>
/// <param name="Target">What one target is called, e.g. <c>robot</c> (also the metric label).</param>
/// <param name="TargetsKey">The key of the targets, e.g. <c>Robots</c>.</param>
/// <param name="DefaultTargetKey">The key of the default target, e.g. <c>DefaultRobot</c>.</param>
/// <param name="AddressKey">The key of a target's address, e.g. <c>Webhook</c>.</param>
public sealed record DeliveryVocabulary(string Section, string Target, string TargetsKey, string DefaultTargetKey, string AddressKey);
