using System.Collections.Concurrent;
using Eventer.Contracts;

namespace Eventer.Collector.Mapping;

/// <summary>
/// The highest occurrence handed on per event uid, so relists and MODIFIED lines that do not raise
/// the count (a metadata touch, a series refresh) publish nothing. Entries of events not seen for
/// longer than Kubernetes keeps them are forgotten, which bounds memory.
/// </summary>
public sealed class OccurrenceTracker(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (int Occurrence, DateTimeOffset SeenAt)> _latest = new();

    public int Count => _latest.Count;

    /// <summary>True when <paramref name="occurrence"/> is newer than anything handed on for its event.</summary>
    public bool IsNew(KubeEventObserved occurrence) =>
        !_latest.TryGetValue(occurrence.EventUid, out var seen) || occurrence.Occurrence > seen.Occurrence;

    /// <summary>Remembers that <paramref name="occurrence"/> was handed on.</summary>
    public void Record(KubeEventObserved occurrence) =>
        _latest.AddOrUpdate(occurrence.EventUid,
            (occurrence.Occurrence, clock.GetUtcNow()),
            (_, seen) => (Math.Max(seen.Occurrence, occurrence.Occurrence), clock.GetUtcNow()));

    /// <summary>Drops entries last seen before <paramref name="age"/> ago.</summary>
    public void ForgetOlderThan(TimeSpan age)
    {
        var cutoff = clock.GetUtcNow() - age;
        foreach (var (uid, seen) in _latest)
        {
            if (seen.SeenAt < cutoff)
            {
                _latest.TryRemove(uid, out _);
            }
        }
    }
}
