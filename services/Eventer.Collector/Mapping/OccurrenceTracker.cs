using System.Collections.Concurrent;
using Eventer.Contracts;

namespace Eventer.Collector.Mapping;

/// <summary>
/// The highest occurrence handed on per event uid, so relists and MODIFIED lines that do not raise
/// the count (a metadata touch, a series refresh) publish nothing. Memory is bounded by the events
/// the cluster holds, not by uptime: an event is forgotten when its DELETED line arrives, and when
/// it has had no news for <c>memory</c> (the event TTL plus a margin: the API server has deleted it
/// by then, even if the DELETED line was missed during a relist). Forgetting too early costs only
/// an outbox look-up: the outbox key still drops the repeat.
/// </summary>
public sealed class OccurrenceTracker(TimeProvider clock, TimeSpan memory)
{
    /// <summary>How long past the event TTL an event without news is still remembered.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Seen> _latest = new();
    private readonly TimeSpan _sweepInterval = TimeSpan.FromTicks(Math.Min(memory.Ticks / 10, TimeSpan.TicksPerMinute));
    private long _nextSweepTicks = clock.GetUtcNow().UtcTicks;

    /// <summary>How many events are remembered now.</summary>
    public int Count => _latest.Count;

    /// <summary>True when <paramref name="occurrence"/> is newer than anything handed on for its event.</summary>
    public bool IsNew(KubeEventObserved occurrence) =>
        !_latest.TryGetValue(occurrence.EventUid, out var seen) || occurrence.Occurrence > seen.Occurrence;

    /// <summary>Remembers that <paramref name="occurrence"/> was handed on.</summary>
    public void Record(KubeEventObserved occurrence)
    {
        var now = clock.GetUtcNow().UtcTicks;
        _latest.AddOrUpdate(occurrence.EventUid,
            static (_, arg) => new Seen(arg.Occurrence, arg.Now),
            static (_, seen, arg) => new Seen(Math.Max(seen.Occurrence, arg.Occurrence), arg.Now),
            (occurrence.Occurrence, Now: now));
    }

    /// <summary>Any line about an event (a refresh too) is news: it keeps the event remembered.</summary>
    public void Touch(string eventUid)
    {
        if (_latest.TryGetValue(eventUid, out var seen))
        {
            _latest.TryUpdate(eventUid, seen with { SeenAtTicks = clock.GetUtcNow().UtcTicks }, seen);
        }
    }

    /// <summary>The event was deleted: nothing more will come of it.</summary>
    public void Forget(string eventUid) => _latest.TryRemove(eventUid, out _);

    /// <summary>
    /// At most every minute (or a tenth of the memory, when shorter), forgets the events without
    /// news for longer than the memory. Cheap to call for every line.
    /// </summary>
    public void ForgetStaleWhenDue()
    {
        var now = clock.GetUtcNow().UtcTicks;
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now < due || Interlocked.CompareExchange(ref _nextSweepTicks, now + _sweepInterval.Ticks, due) != due)
        {
            return;
        }

        var cutoff = now - memory.Ticks;
        foreach (var (uid, seen) in _latest)
        {
            if (seen.SeenAtTicks < cutoff)
            {
                _latest.TryRemove(new KeyValuePair<string, Seen>(uid, seen));
            }
        }
    }

    // Ticks rather than a DateTimeOffset: 16 bytes an entry instead of 24.
    private readonly record struct Seen(int Occurrence, long SeenAtTicks);
}
