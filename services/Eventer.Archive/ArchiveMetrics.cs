using System.Diagnostics.Metrics;

namespace Eventer.Archive;

/// <summary>The archive's own counters.</summary>
public sealed class ArchiveMetrics
{
    public const string Name = "Eventer.Archive";

    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _deleted;
    private readonly Counter<long> _writeFailures;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _writeLatency;

    public ArchiveMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _stored = meter.CreateCounter<long>("eventer.archive.occurrences.stored", description: "Occurrences written.");
        _duplicates = meter.CreateCounter<long>("eventer.archive.occurrences.duplicates", description: "Redelivered occurrences skipped because they were already stored.");
        _rejected = meter.CreateCounter<long>("eventer.archive.occurrences.rejected", description: "Messages that can never be stored, set aside in the error queue.");
        _deleted = meter.CreateCounter<long>("eventer.archive.retention.deleted", description: "Occurrences deleted by retention.");
        _writeFailures = meter.CreateCounter<long>("eventer.archive.write.failures", description: "Batch writes that failed, by reason; the batch is tried again.");
        _batchSize = meter.CreateHistogram<int>("eventer.archive.batch.size", description: "Messages per written batch.");
        _writeLatency = meter.CreateHistogram<double>("eventer.archive.batch.write_duration", unit: "s", description: "Time to write one batch.");
    }

    public void Stored(long count) => _stored.Add(count);

    public void DuplicatesSkipped(long count) => _duplicates.Add(count);

    public void Rejected() => _rejected.Add(1);

    public void Deleted(long count) => _deleted.Add(count);

    public void WriteFailed(string reason) => _writeFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void BatchWritten(int size, TimeSpan duration)
    {
        _batchSize.Record(size);
        _writeLatency.Record(duration.TotalSeconds);
    }
}
