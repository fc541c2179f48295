using System.ComponentModel.DataAnnotations;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;

namespace Eventer.DingTalkNotifier;

/// <summary>
/// The notifier's settings (section <c>DingTalk</c>): the robots, the route tree that picks which
/// occurrences go to which robot, silences, how alerts look, and how storms are tamed.
/// </summary>
public sealed class NotifierOptions : IValidatableObject
{
    public const string Section = "DingTalk";

    /// <summary>The robots, by name (the name appears in routes, metrics, logs and readiness; the webhook never does).</summary>
    public Dictionary<string, RobotOptions> Robots { get; set; } = [];

    /// <summary>Where an occurrence that no route matched goes when it is a Warning; default: the only robot, when there is one.</summary>
    public string? DefaultRobot { get; set; }

    /// <summary>Routes, evaluated in order; the first that matches decides unless it says <c>Continue</c>.</summary>
    public List<RouteRule> Routes { get; set; } = [];

    /// <summary>Silences: until a silence ends, the occurrences it covers are not sent (and not kept for later).</summary>
    public List<SilenceOptions> Silences { get; set; } = [];

    /// <summary>IANA or Windows time zone id for the times in alerts; UTC unless set, so nobody is surprised by 8 hours.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// Alerts are about now: an occurrence that was last seen longer than this before it reached the
    /// notifier (a collector's first list, a backlog after an outage) is not sent on its own but
    /// counted in one "held back" summary.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>After an alert about an object and reason, repeats within this window are folded into one later alert.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan FoldWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often pending alerts are looked at; a burst that arrives within one interval is planned as a whole.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait after DingTalk answers "too fast" (doubling while it repeats, up to its 10 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ThrottleBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest pause after failures that may pass (-1, 5xx, timeouts); pauses double from one second up to it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan LongestFailureBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a robot DingTalk refused as misconfigured is tried again (its settings may be fixed at DingTalk's side).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MisconfiguredRetryInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The timeout of every call to DingTalk.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:02:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Log rendered messages instead of sending them (to try routes and templates safely).</summary>
    public bool DryRun { get; set; }

    /// <summary>Optional Liquid template of a link under each alert, e.g. to Kibana or Grafana; values are URL-encoded.</summary>
    public string? LinkTemplate { get; set; }

    /// <summary>Optional base URL of the archive, named in summaries as the place to read every event.</summary>
    [Url]
    public string? ArchiveUrl { get; set; }

    /// <summary>The longest message text sent, in UTF-8 bytes (DingTalk refuses more than 20,000).</summary>
    [Range(1_000, 20_000)]
    public int MaxMessageBytes { get; set; } = 19_000;

    /// <summary>
    /// How long the dispatcher lease lasts without renewal. One replica sends at a time; it renews
    /// the lease every third of this and stops sending a sixth of it before the lease expires when
    /// it cannot renew. The others try to take it every sixth of this, so a replica that vanishes
    /// (even without closing its connections) is replaced within 7/6 of it: 35 s by default.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "00:10:00")]
    public TimeSpan DispatcherLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long sent alerts are remembered, so a redelivered message never notifies twice.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Robots.Count == 0)
        {
            yield return new ValidationResult("names no robot; add DingTalk:Robots:<name>:Webhook", [nameof(Robots)]);
        }

        foreach (var (name, robot) in Robots)
        {
            foreach (var problem in robot.Problems(DryRun))
            {
                yield return new ValidationResult(problem.Message, [$"Robots:{name}:{problem.Key}"]);
            }
        }

        // Two names for one webhook would give one robot two budgets: DingTalk counts per robot.
        foreach (var shared in Robots.Where(r => !string.IsNullOrEmpty(r.Value.Webhook)).GroupBy(r => r.Value.Webhook).Where(g => g.Count() > 1))
        {
            var names = shared.Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
            yield return new ValidationResult($"is the same webhook as robot '{names[0]}'; one robot must be configured once",
                [$"Robots:{names[1]}:Webhook"]);
        }

        if (DefaultRobot is { Length: > 0 } fallback && !Robots.ContainsKey(fallback))
        {
            yield return new ValidationResult($"names robot '{fallback}', which is not configured", [nameof(DefaultRobot)]);
        }

        for (var i = 0; i < Routes.Count; i++)
        {
            foreach (var problem in Routes[i].Problems(Robots.Keys))
            {
                yield return new ValidationResult($"route '{Routes[i].DisplayName(i)}': {problem.Message}", [$"Routes:{i}{problem.Key}"]);
            }
        }

        // A silence may name the built-in route too: it holds only the Warnings no route matched.
        var routeNames = Routes.Select((r, i) => r.DisplayName(i)).Append(Router.DefaultRoute).ToHashSet(StringComparer.Ordinal);
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
