using Eventer.DingTalkNotifier.Delivery;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class AlertPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan FoldWindow = TimeSpan.FromMinutes(5);

    [Fact]
    public void No_budget_plans_nothing()
    {
        Assert.Empty(Plan([Fresh("web-0"), Stale("web-1")], budget: 0));
    }

    [Fact]
    public void When_everything_fits_each_alert_is_sent_alone_oldest_first()
    {
        var a = Fresh("web-0");
        var b = Fresh("web-1");
        var c = Fresh("web-2", "Unhealthy");

        var plan = Plan([c, a, b], budget: 3);

        Assert.Equal([AlertShape.Single, AlertShape.Single, AlertShape.Single], plan.Select(p => p.Shape));
        Assert.Equal([a.Id, b.Id, c.Id], plan.Select(p => Assert.Single(p.Alerts).Id));
    }

    [Fact]
    public void Repeats_of_one_object_and_reason_fold_into_one_message()
    {
        var first = NotifierSamples.Warning("shop", "web-0", "BackOff", Now.AddSeconds(-30));
        var repeats = Enumerable.Range(0, 3).Select(i => NotifierSamples.Pending(first with { Occurrence = i + 1 })).ToList();
        var otherReason = Fresh("web-0", "Unhealthy");

        var plan = Plan([.. repeats, otherReason], budget: 5);

        Assert.Equal(2, plan.Count);
        Assert.Equal(AlertShape.Folded, plan[0].Shape);
        Assert.Equal(repeats.Select(r => r.Id), plan[0].Alerts.Select(a => a.Id));
        Assert.Equal(AlertShape.Single, plan[1].Shape);
    }

    [Fact]
    public void Same_pod_name_in_another_namespace_or_cluster_does_not_fold()
    {
        var shop = Fresh("web-0");
        var batch = NotifierSamples.Pending(NotifierSamples.Warning("batch", "web-0", "BackOff", Now));
        var staging = NotifierSamples.Pending(NotifierSamples.Warning("shop", "web-0", "BackOff", Now) with { Cluster = "staging" });

        var plan = Plan([shop, batch, staging], budget: 3);

        Assert.All(plan, p => Assert.Equal(AlertShape.Single, p.Shape));
    }

    [Fact]
    public void More_alerts_than_budget_sends_the_oldest_alone_and_summarises_the_rest()
    {
        var alerts = Enumerable.Range(0, 8).Select(i => Fresh($"web-{i}")).ToList();

        var plan = Plan([.. alerts.AsEnumerable().Reverse()], budget: 3);

        Assert.Equal([AlertShape.Single, AlertShape.Single, AlertShape.Summary], plan.Select(p => p.Shape));
        Assert.Equal([alerts[0].Id], plan[0].Alerts.Select(a => a.Id));
        Assert.Equal([alerts[1].Id], plan[1].Alerts.Select(a => a.Id));
        Assert.Equal(alerts.Skip(2).Select(a => a.Id).Order(), plan[2].Alerts.Select(a => a.Id).Order());
        EachExactlyOnce(alerts, plan);
    }

    [Fact]
    public void A_budget_of_one_with_several_alerts_sends_one_summary()
    {
        var alerts = Enumerable.Range(0, 4).Select(i => Fresh($"web-{i}")).ToList();

        var plan = Plan(alerts, budget: 1);

        Assert.Equal(AlertShape.Summary, Assert.Single(plan).Shape);
        EachExactlyOnce(alerts, plan);
    }

    [Fact]
    public void Stale_alerts_are_held_back_in_one_first_message_that_uses_one_unit_of_budget()
    {
        var stale = new[] { Stale("old-0"), Stale("old-1", "Unhealthy") };
        var fresh = Enumerable.Range(0, 4).Select(i => Fresh($"web-{i}")).ToList();
        var all = new List<PendingAlert>([.. stale, .. fresh]);

        var plan = Plan(all, budget: 3);

        Assert.Equal([AlertShape.HeldBack, AlertShape.Single, AlertShape.Summary], plan.Select(p => p.Shape));
        Assert.Equal(stale.Select(s => s.Id), plan[0].Alerts.Select(a => a.Id));
        Assert.Equal(fresh[0].Id, Assert.Single(plan[1].Alerts).Id);
        EachExactlyOnce(all, plan);
    }

    [Fact]
    public void An_alert_that_waited_in_the_notifier_is_not_held_back_however_long_it_waited()
    {
        // Fresh when it arrived; then the robot was misconfigured for an hour.
        var waited = NotifierSamples.Pending(NotifierSamples.Warning("shop", "web-0", "BackOff", Now.AddHours(-1)), receivedAt: Now.AddHours(-1));

        var plan = Plan([waited], budget: 5);

        Assert.Equal(AlertShape.Single, Assert.Single(plan).Shape);
    }

    [Fact]
    public void Last_seen_exactly_max_age_ago_is_not_stale()
    {
        var edge = NotifierSamples.Pending(NotifierSamples.Warning("shop", "web-0", "BackOff", Now - MaxAge), receivedAt: Now);
        var older = NotifierSamples.Pending(NotifierSamples.Warning("shop", "web-1", "BackOff", Now - MaxAge - TimeSpan.FromTicks(1)), receivedAt: Now);

        var plan = Plan([edge, older], budget: 2);

        Assert.Equal([(AlertShape.HeldBack, older.Id), (AlertShape.Single, edge.Id)], plan.Select(p => (p.Shape, Assert.Single(p.Alerts).Id)));
    }

    [Fact]
    public void With_only_budget_for_the_held_back_note_nothing_else_is_planned()
    {
        var plan = Plan([Stale("old-0"), Fresh("web-0")], budget: 1);

        Assert.Equal(AlertShape.HeldBack, Assert.Single(plan).Shape);
    }

    [Fact]
    public void A_key_alerted_within_the_fold_window_waits_until_the_window_has_passed()
    {
        var repeat = Fresh("web-0");
        var other = Fresh("web-1");
        var lastAlerted = new Dictionary<string, DateTimeOffset> { [repeat.FoldKey] = Now - FoldWindow + TimeSpan.FromSeconds(1) };

        var during = Plan([repeat, other], budget: 5, lastAlerted);
        var after = AlertPlanner.Plan([repeat, other], 5, Now + TimeSpan.FromSeconds(1), MaxAge, FoldWindow, lastAlerted);

        Assert.Equal([other.Id], during.SelectMany(p => p.Alerts).Select(a => a.Id));
        Assert.Equal([repeat.Id, other.Id], after.SelectMany(p => p.Alerts).Select(a => a.Id));
    }

    [Fact]
    public void Nothing_pending_plans_nothing()
    {
        Assert.Empty(Plan([], budget: 20));
    }

    private static void EachExactlyOnce(IEnumerable<PendingAlert> pending, IEnumerable<PlannedAlert> plan) =>
        Assert.Equal(pending.Select(a => a.Id).Order(), plan.SelectMany(p => p.Alerts).Select(a => a.Id).Order());

    private static PendingAlert Fresh(string pod, string reason = "BackOff") =>
        NotifierSamples.Pending(NotifierSamples.Warning("shop", pod, reason, Now.AddSeconds(-30)));

    /// <summary>Already older than MaxAge when it reached the notifier (now).</summary>
    private static PendingAlert Stale(string pod, string reason = "BackOff") =>
        NotifierSamples.Pending(NotifierSamples.Warning("shop", pod, reason, Now - MaxAge - TimeSpan.FromMinutes(1)), receivedAt: Now);

    private static IReadOnlyList<PlannedAlert> Plan(IReadOnlyList<PendingAlert> pending, int budget, Dictionary<string, DateTimeOffset>? lastAlerted = null) =>
        AlertPlanner.Plan(pending, budget, Now, MaxAge, FoldWindow, lastAlerted ?? []);
}
