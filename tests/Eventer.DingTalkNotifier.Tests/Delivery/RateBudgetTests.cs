using Eventer.DingTalkNotifier.Delivery;
using Eventer.Notifications.Delivery;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class RateBudgetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_fresh_budget_has_its_full_allowance()
    {
        var budget = new RateBudget(20);

        Assert.Equal(20, budget.Available(T0));
        Assert.Equal(T0, budget.NextAvailable(T0));
    }

    [Fact]
    public void A_spent_budget_is_empty_for_one_window_and_then_full_again()
    {
        var budget = new RateBudget(20);
        for (var i = 0; i < 20; i++)
        {
            budget.Spend(T0);
        }

        Assert.Equal(0, budget.Available(T0));
        Assert.Equal(0, budget.Available(T0 + TimeSpan.FromSeconds(60)));
        Assert.Equal(0, budget.Available(T0 + RateBudget.Window - TimeSpan.FromTicks(1)));
        Assert.Equal(20, budget.Available(T0 + RateBudget.Window));
    }

    [Fact]
    public void The_window_is_a_minute_with_a_second_of_margin()
    {
        Assert.Equal(TimeSpan.FromSeconds(61), RateBudget.Window);
    }

    [Fact]
    public void Spending_reduces_what_is_available_one_by_one()
    {
        var budget = new RateBudget(5);
        budget.Spend(T0);
        budget.Spend(T0.AddSeconds(10));

        Assert.Equal(3, budget.Available(T0.AddSeconds(20)));
        Assert.Equal(4, budget.Available(T0 + RateBudget.Window));
        Assert.Equal(5, budget.Available(T0.AddSeconds(10) + RateBudget.Window));
    }

    [Fact]
    public void Next_available_is_when_the_oldest_send_that_fills_the_window_leaves_it()
    {
        var budget = new RateBudget(3);
        budget.Spend(T0);
        budget.Spend(T0.AddSeconds(5));
        budget.Spend(T0.AddSeconds(10));
        budget.Spend(T0.AddSeconds(15));

        // Four in the window, three allowed: two must leave, the second of them at T0+5 s.
        var next = budget.NextAvailable(T0.AddSeconds(20));

        Assert.Equal(T0.AddSeconds(5) + RateBudget.Window, next);
        Assert.Equal(0, budget.Available(next - TimeSpan.FromTicks(1)));
        Assert.Equal(1, budget.Available(next));
    }

    [Fact]
    public void Next_available_is_now_while_there_is_room()
    {
        var budget = new RateBudget(3);
        budget.Spend(T0);

        Assert.Equal(T0.AddSeconds(1), budget.NextAvailable(T0.AddSeconds(1)));
    }

    [Fact]
    public void Sending_whenever_allowed_never_exceeds_the_limit_in_any_minute()
    {
        const int limit = 20;
        var budget = new RateBudget(limit);
        var random = new Random(42);
        var sent = new List<DateTimeOffset>();
        var now = T0;
        while (now < T0.AddMinutes(30))
        {
            // Bursts, trickles and pauses: a send is attempted whenever the budget allows.
            var wanted = random.Next(0, 8);
            for (var i = 0; i < wanted && budget.Available(now) > 0; i++)
            {
                budget.Spend(now);
                sent.Add(now);
            }

            now += TimeSpan.FromMilliseconds(random.Next(1, 7_000));
        }

        Assert.True(sent.Count > 8 * limit, $"the simulation sent only {sent.Count}");
        foreach (var start in sent)
        {
            var inMinute = sent.Count(t => t >= start && t < start + TimeSpan.FromMinutes(1));
            Assert.True(inMinute <= limit, $"{inMinute} sends in the minute from {start:O}");
        }
    }

    [Fact]
    public void Waiting_for_next_available_always_gives_room()
    {
        var budget = new RateBudget(4);
        var now = T0;
        for (var i = 0; i < 40; i++)
        {
            now = budget.NextAvailable(now);
            Assert.True(budget.Available(now) > 0);
            budget.Spend(now);
            now += TimeSpan.FromMilliseconds(300);
        }

        // 40 sends at 4 per 61 s: the last one can be no earlier than 9 windows after the first.
        Assert.True(now - T0 >= 9 * RateBudget.Window, $"40 sends took only {now - T0}");
    }

    [Fact]
    public void Sends_remembered_on_taking_over_count_once_each_and_in_order()
    {
        var budget = new RateBudget(5);
        budget.Spend(T0.AddSeconds(10));

        budget.Remember([T0.AddSeconds(10), T0, T0.AddSeconds(20)]);

        Assert.Equal(2, budget.Available(T0.AddSeconds(30)));
        Assert.Equal(3, budget.Available(T0 + RateBudget.Window));
        Assert.Equal(5, budget.Available(T0.AddSeconds(20) + RateBudget.Window));
    }
}
