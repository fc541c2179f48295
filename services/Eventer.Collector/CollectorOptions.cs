using System.ComponentModel.DataAnnotations;
using Eventer.Collector.Mapping;
using Eventer.Contracts;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Eventer.Collector;

/// <summary>What the collector watches and how (section <c>Collector</c>).</summary>
public sealed class CollectorOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Collector";

    /// <summary>Name of the watched cluster; first part of every occurrence key, so it must be stable.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", ErrorMessage = "must be 1-100 letters, digits, '-', '_' or '.' (no '/')")]
    public string ClusterName { get; set; } = "";

    /// <summary>
    /// A kubeconfig file to use instead of the standard order (<c>KUBECONFIG</c>,
    /// <c>~/.kube/config</c>, in-cluster service account).
    /// </summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Which Events API to watch: <c>core/v1</c> (default) or <c>events.k8s.io/v1</c>, never both.</summary>
    public string Api { get; set; } = KubeEventApis.CoreV1;

    /// <summary>Namespaces to watch; empty means all.</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>Server-side watch timeout; each watch adds up to 50 % jitter so replicas do not reconnect in step.</summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A watch that says nothing (not even a bookmark) for this long is restarted from the last
    /// resourceVersion; the API server sends bookmarks about once a minute, so minutes are safe.
    /// </summary>
    [TimeSpanRange("00:00:01", "02:00:00")]
    public TimeSpan WatchSilenceTimeout { get; set; } = TimeSpan.FromMinutes(8);

    /// <summary>
    /// How long the API server keeps Events (its <c>--event-ttl</c>, 1 hour by default). A collector
    /// that was away longer reports a possible gap.
    /// </summary>
    [TimeSpanRange("00:01:00", "30.00:00:00")]
    public TimeSpan EventTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Occurrences to drop at the source, before the outbox (see <see cref="DropRule"/>).</summary>
    public List<DropRule> Drop { get; set; } = [];

    /// <summary>Items per list page.</summary>
    [Range(1, 5000)]
    public int ListPageSize { get; set; } = 500;

    /// <summary>Upper bound of the pause between failed attempts to reach the API server.</summary>
    [TimeSpanRange("00:00:00.100", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Api is not (KubeEventApis.CoreV1 or KubeEventApis.EventsV1))
        {
            yield return new ValidationResult($"must be '{KubeEventApis.CoreV1}' or '{KubeEventApis.EventsV1}'", [nameof(Api)]);
        }

        for (var i = 0; i < Drop.Count; i++)
        {
            if (Drop[i].IsEmpty)
            {
                yield return new ValidationResult("sets no field, so it would drop every event", [$"Drop:{i}"]);
            }

            if (Drop[i].MessagePatternProblem() is { } problem)
            {
                yield return new ValidationResult(problem, [$"Drop:{i}:Message"]);
            }
        }

        if (Namespaces.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("must not contain empty names", [nameof(Namespaces)]);
        }
    }
}

/// <summary>Validates <see cref="CollectorOptions"/> with code the options source generator writes (no reflection; the collector is compiled ahead of time).</summary>
[OptionsValidator]
internal sealed partial class CollectorOptionsValidator : IValidateOptions<CollectorOptions>
{
}
