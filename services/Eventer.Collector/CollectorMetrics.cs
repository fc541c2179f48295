using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Eventer.Collector;

/// <summary>The collector's own telemetry. Labels are bounded: a cause or a stage, never an object name.</summary>
public sealed class CollectorMetrics
{
    public const string Name = "Eventer.Collector";

    /// <summary>Spans start here when an occurrence is observed, so its trace reaches every sink.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _observed;
    private readonly Counter<long> _deduplicated;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _setAside;
    private readonly Counter<long> _published;
    private readonly Counter<long> _returned;
    private readonly Counter<long> _purged;
    private readonly Counter<long> _watchRestarts;
    private readonly Counter<long> _relists;
    private readonly Counter<long> _possibleGaps;
    private readonly Counter<long> _malformedLines;
    private long _outboxDepth;
    private double _oldestUnsentAgeSeconds;

    public CollectorMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _observed = meter.CreateCounter<long>("eventer.collector.occurrences.observed", description: "Event lines (ADDED/MODIFIED, listed or watched) seen.");
        _deduplicated = meter.CreateCounter<long>("eventer.collector.occurrences.deduplicated", description: "Observations that were no new occurrence, by stage (memory, outbox).");
        _dropped = meter.CreateCounter<long>("eventer.collector.occurrences.dropped", description: "Observations dropped at the source by Collector:Drop rules.");
        _stored = meter.CreateCounter<long>("eventer.collector.occurrences.stored", description: "New occurrences written to the outbox.");
        _setAside = meter.CreateCounter<long>("eventer.collector.occurrences.set_aside",
            description: "Occurrences PostgreSQL refused for their content, set aside in collector.dead_letters, by SQLSTATE.");
        _published = meter.CreateCounter<long>("eventer.collector.occurrences.published", description: "Occurrences published to RabbitMQ and confirmed.");
        _returned = meter.CreateCounter<long>("eventer.collector.publish.returned", description: "Publishes RabbitMQ returned because no queue is bound to the exchange (the rows wait).");
        _purged = meter.CreateCounter<long>("eventer.collector.outbox.purged", description: "Sent outbox rows deleted after the retention window.");
        _watchRestarts = meter.CreateCounter<long>("eventer.collector.watch.restarts", description: "Watches started again, by cause.");
        _relists = meter.CreateCounter<long>("eventer.collector.relists", description: "Full lists after the first, by cause.");
        _possibleGaps = meter.CreateCounter<long>("eventer.collector.possible_gaps", description: "Times events may have expired unseen, by cause (expired, downtime).");
        _malformedLines = meter.CreateCounter<long>("eventer.collector.watch.malformed_lines", description: "Watch lines and listed Events that could not be read (skipped).");
        meter.CreateObservableGauge("eventer.collector.outbox.depth", () => Interlocked.Read(ref _outboxDepth), description: "Outbox rows not yet published.");
        meter.CreateObservableGauge("eventer.collector.outbox.oldest_unsent_age", () => Volatile.Read(ref _oldestUnsentAgeSeconds), unit: "s",
            description: "Age of the oldest unpublished occurrence.");
        meter.CreateObservableGauge("eventer.collector.outbox.unroutable", () => Unroutable ? 1 : 0,
            description: "1 while no queue is bound to the exchange, so occurrences wait in the outbox, else 0.");
        meter.CreateObservableGauge("eventer.collector.leader", () => IsLeader(), description: "1 while this replica watches (leads), else 0.");
    }

    /// <summary>Set by the leadership gate; read by the <c>eventer.collector.leader</c> gauge.</summary>
    public Func<int> IsLeader { get; set; } = () => 1;

    public void Observed() => _observed.Add(1);

    public void Deduplicated(string stage, long count = 1) => _deduplicated.Add(count, new KeyValuePair<string, object?>("stage", stage));

    public void Dropped() => _dropped.Add(1);

    public void Stored(long count) => _stored.Add(count);

    /// <summary>SQLSTATEs are a fixed set of codes, so the label stays bounded.</summary>
    public void SetAside(string? sqlState) => _setAside.Add(1, new KeyValuePair<string, object?>("sql_state", sqlState ?? "none"));

    public void Published(long count) => _published.Add(count);

    public void Returned(long count)
    {
        if (count > 0)
        {
            _returned.Add(count);
        }
    }

    /// <summary>Set by the relay: whether RabbitMQ returns what it publishes for want of a queue.</summary>
    public bool Unroutable { get; set; }

    public void Purged(long count) => _purged.Add(count);

    public void WatchRestarted(string cause) => _watchRestarts.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void Relisted(string cause) => _relists.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void PossibleGap(string cause) => _possibleGaps.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void MalformedLine() => _malformedLines.Add(1);

    public void OutboxMeasured(long depth, TimeSpan oldestUnsentAge)
    {
        Interlocked.Exchange(ref _outboxDepth, depth);
        Volatile.Write(ref _oldestUnsentAgeSeconds, oldestUnsentAge.TotalSeconds);
    }
}
