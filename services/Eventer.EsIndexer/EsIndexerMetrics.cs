using System.Diagnostics.Metrics;

namespace Eventer.EsIndexer;

/// <summary>The es-indexer's own counters.</summary>
public sealed class EsIndexerMetrics
{
    public const string Name = "Eventer.EsIndexer";

    private readonly Counter<long> _indexed;
    private readonly Counter<long> _alreadyPresent;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _requestFailures;
    private readonly Histogram<double> _bulkDuration;
    private readonly Histogram<long> _bulkBytes;

    public EsIndexerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _indexed = meter.CreateCounter<long>("eventer.es.documents.indexed", description: "Occurrences indexed (bulk item 201).");
        _alreadyPresent = meter.CreateCounter<long>("eventer.es.documents.already_present", description: "Redelivered occurrences found already indexed (bulk item 409).");
        _retried = meter.CreateCounter<long>("eventer.es.documents.retried", description: "Bulk items sent again after a 429 or 5xx.");
        _deadLettered = meter.CreateCounter<long>("eventer.es.documents.dead_lettered", description: "Occurrences Elasticsearch refused as documents, written to the dead-letter index.");
        _rejected = meter.CreateCounter<long>("eventer.es.occurrences.rejected", description: "Messages set aside in es-indexer_error: no occurrence key, or not even the dead-letter index takes them.");
        _requestFailures = meter.CreateCounter<long>("eventer.es.request.failures", description: "Whole requests that failed; the batch stays queued and is tried again.");
        _bulkDuration = meter.CreateHistogram<double>("eventer.es.bulk.duration", unit: "s", description: "Time of one _bulk request.");
        _bulkBytes = meter.CreateHistogram<long>("eventer.es.bulk.size", unit: "By", description: "Uncompressed bytes of one _bulk request.");
    }

    public void Indexed() => _indexed.Add(1);

    public void AlreadyPresent() => _alreadyPresent.Add(1);

    public void Retried() => _retried.Add(1);

    public void DeadLettered() => _deadLettered.Add(1);

    public void Rejected() => _rejected.Add(1);

    public void RequestFailed() => _requestFailures.Add(1);

    public void BulkSent(long bytes, TimeSpan duration)
    {
        _bulkBytes.Record(bytes);
        _bulkDuration.Record(duration.TotalSeconds);
    }
}
