using System.Diagnostics.Metrics;

namespace Eventer.Archive;

/// <summary>The archive's own counters.</summary>
public sealed class ArchiveMetrics
{
    public const string Name = "Eventer.Archive";

    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;

    public ArchiveMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _stored = meter.CreateCounter<long>("eventer.archive.occurrences.stored", description: "Occurrences written.");
        _duplicates = meter.CreateCounter<long>("eventer.archive.occurrences.duplicates", description: "Redelivered occurrences skipped because they were already stored.");
    }

    public void Stored() => _stored.Add(1);

    public void DuplicateSkipped() => _duplicates.Add(1);
}
