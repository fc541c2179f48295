using Eventer.Collector.Mapping;
using Eventer.Contracts;
using Microsoft.Extensions.Time.Testing;

namespace Eventer.Collector.Tests.Mapping;

[Trait("Category", "Unit")]
public sealed class OccurrenceTrackerTests
{
    private static readonly TimeSpan Memory = TimeSpan.FromMinutes(70);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Only_a_higher_occurrence_of_an_event_is_new()
    {
        var tracker = new OccurrenceTracker(_clock, Memory);
        tracker.Record(Occurrence("a", 2));

        Assert.False(tracker.IsNew(Occurrence("a", 1)));
        Assert.False(tracker.IsNew(Occurrence("a", 2)));
        Assert.True(tracker.IsNew(Occurrence("a", 3)));
        Assert.True(tracker.IsNew(Occurrence("b", 1)));
    }

    [Fact]
    public void Events_without_news_for_longer_than_the_memory_are_forgotten_and_news_keeps_them()
    {
        var tracker = new OccurrenceTracker(_clock, Memory);
        for (var i = 0; i < 1000; i++)
        {
            tracker.Record(Occurrence($"quiet-{i}", 1));
        }

        tracker.Record(Occurrence("repeating", 1));
        tracker.Record(Occurrence("refreshed", 1));

        for (var minute = 1; minute <= 69; minute++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            tracker.Record(Occurrence("repeating", minute + 1));
            tracker.Touch("refreshed");
            tracker.ForgetStaleWhenDue();
        }

        Assert.Equal(1002, tracker.Count);

        _clock.Advance(TimeSpan.FromMinutes(2));
        tracker.ForgetStaleWhenDue();

        Assert.Equal(2, tracker.Count);
        Assert.False(tracker.IsNew(Occurrence("repeating", 70)));
        Assert.False(tracker.IsNew(Occurrence("refreshed", 1)));
        Assert.True(tracker.IsNew(Occurrence("quiet-0", 1)));
    }

    [Fact]
    public void A_deleted_event_is_forgotten_at_once()
    {
        var tracker = new OccurrenceTracker(_clock, Memory);
        tracker.Record(Occurrence("a", 5));
        tracker.Forget("a");

        Assert.Equal(0, tracker.Count);
    }

    private static KubeEventObserved Occurrence(string uid, int occurrence) => new() { Cluster = "c", EventUid = uid, Occurrence = occurrence };
}
