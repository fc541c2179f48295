using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Eventer.Collector;

/// <summary>The collector's own telemetry. Labels are bounded: a cause or an API, never an object name.</summary>
public sealed class CollectorMetrics
{
    public const string Name = "Eventer.Collector";

    /// <summary>Spans start here when an occurrence is observed, so its trace reaches every sink.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _observed;
    private readonly Counter<long> _deduplicated;
    private readonly Counter<long> _published;
    private readonly Counter<long> _watchRestarts;
    private readonly Counter<long> _relists;
    private readonly Counter<long> _malformedLines;

    public CollectorMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _observed = meter.CreateCounter<long>("eventer.collector.occurrences.observed", description: "Event lines (ADDED/MODIFIED, listed or watched) seen.");
        _deduplicated = meter.CreateCounter<long>("eventer.collector.occurrences.deduplicated", description: "Observations that were not a new occurrence.");
        _published = meter.CreateCounter<long>("eventer.collector.occurrences.published", description: "New occurrences handed to the sink.");
        _watchRestarts = meter.CreateCounter<long>("eventer.collector.watch.restarts", description: "Watches started again, by cause.");
        _relists = meter.CreateCounter<long>("eventer.collector.relists", description: "Full lists, by cause.");
        _malformedLines = meter.CreateCounter<long>("eventer.collector.watch.malformed_lines", description: "Watch lines that could not be read.");
    }

    public void Observed() => _observed.Add(1);

    public void Deduplicated() => _deduplicated.Add(1);

    public void Published() => _published.Add(1);

    public void WatchRestarted(string cause) => _watchRestarts.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void Relisted(string cause) => _relists.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void MalformedLine() => _malformedLines.Add(1);
}
