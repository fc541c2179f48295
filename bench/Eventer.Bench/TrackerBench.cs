using Eventer.Collector.Mapping;
using Eventer.Contracts;

namespace Eventer.Bench;

/// <summary>
/// What the collector keeps in memory per event it tracks (its uid and highest occurrence), as
/// managed heap after a full collection, for N events with real (UUID) uids.
/// </summary>
public static class TrackerBench
{
    public static void Run(int events)
    {
        var tracker = new OccurrenceTracker(TimeProvider.System, TimeSpan.FromHours(1));
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < events; i++)
        {
            // The uid string is the event's own, kept only by the tracker, as in the collector.
            tracker.Record(new KubeEventObserved { Cluster = "bench", EventUid = Guid.NewGuid().ToString(), Occurrence = 1 });
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"| tracked events | {tracker.Count} |");
        Console.WriteLine($"| managed heap per tracked event | {(after - before) / (double)events:F0} bytes |");
    }
}
