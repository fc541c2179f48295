using Eventer.DingTalkNotifier.Delivery;
using Eventer.Notifications.Delivery;
using Eventer.Testing.Notifications;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Network;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

/// <summary>
/// Two replicas on one queue and one database; the one dispatching vanishes without closing
/// anything (its PostgreSQL connection frozen), and the other must take over within the stated
/// bound, with the first one silent from its own deadline on.
/// </summary>
[Trait("Category", "Fault")]
public sealed class DispatcherFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);

    // The follower polls every sixth of the lease; the slack covers its first read and send.
    private static readonly TimeSpan Bound = LeaseDuration + LeaseDuration / 6;
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(1);
    private const int Alerts = 12;

    [Fact]
    public async Task A_dispatcher_frozen_away_from_PostgreSQL_is_replaced_within_the_lease_bound_and_sends_nothing_after_its_deadline()
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("dingtalk");
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dingtalk");
        await using var proxy = await TcpProxy.StartForPostgresAsync(database);
        await using var fake = await FakeDingTalk.StartAsync();
        // One robot "ops" in both replicas, at two tokens of the fake: each message shows who sent it.
        fake.AddRobot("replica-a");
        fake.AddRobot("replica-b");
        await using var a = await NotifierTestHost.StartAsync(Settings(fake, "replica-a"), rabbitMq, proxy.RoutePostgres(database));
        await Eventually.HoldsAsync(() => Dispatching(a), Slow, "replica A to dispatch");
        await using var b = await NotifierTestHost.StartAsync(Settings(fake, "replica-b"), rabbitMq, database);
        Assert.Contains("standby", (await b.ReadinessAsync()).RobotsDescription, StringComparison.Ordinal);

        // Slow answers spread A's sends out, so the freeze falls among them.
        fake.ResponseDelay = TimeSpan.FromMilliseconds(250);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Alerts; i++)
        {
            await a.PublishAsync(NotifierSamples.Warning("shop", $"web-{i:00}", "BackOff", now));
        }

        await Eventually.HoldsAsync(async () => await b.CountAlertsAsync() == Alerts, Slow, "all alerts stored (through A, the queue's consumer)");
        await Eventually.HoldsAsync(() => fake.Delivered("replica-a").Count >= 3, Slow, "A to have sent a few");

        var frozenAt = DateTimeOffset.UtcNow;
        proxy.Freeze();
        fake.ResponseDelay = TimeSpan.Zero;

        await Eventually.HoldsAsync(() => Titles(fake).Distinct().Count() == Alerts, Slow, "every alert delivered by one replica or the other");
        var byA = fake.Delivered("replica-a");
        var byB = fake.Delivered("replica-b");
        var takeover = byB[0].ReceivedAt - frozenAt;
        output.WriteLine($"lease {LeaseDuration.TotalSeconds} s: A sent {byA.Count} ({byA.Count(m => m.ReceivedAt > frozenAt)} after the freeze, "
            + $"the last {(byA[^1].ReceivedAt - frozenAt).TotalSeconds:0.00} s after it); B's first send {takeover.TotalSeconds:0.00} s after the freeze "
            + $"(bound {Bound.TotalSeconds:0.00} s + {Slack.TotalSeconds} s slack); B sent {byB.Count}");

        // A stopped at its own deadline: its last renewal was sent before the freeze, so by then
        // at the latest (duration minus a sixth); it had at most the send in flight at the freeze.
        Assert.All(byA, m => Assert.True(m.ReceivedAt < frozenAt + LeaseDuration - LeaseDuration / 6, $"A sent at {m.ReceivedAt:O}, after its deadline"));
        Assert.InRange(byA.Count(m => m.ReceivedAt > frozenAt), 0, 1);
        Assert.False(Dispatching(a));
        // B took over within the bound, and only after A's last send.
        Assert.InRange(takeover, TimeSpan.Zero, Bound + Slack);
        Assert.True(byB[0].ReceivedAt > byA[^1].ReceivedAt, "B sent while A still did");
        // Nothing twice but the message A sent last, which it may not have marked before the freeze.
        var twice = Titles(fake).GroupBy(t => t).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Subset(new HashSet<string> { byA[^1].Title! }, twice.ToHashSet());
        Assert.All(Titles(fake).GroupBy(t => t), g => Assert.InRange(g.Count(), 1, 2));

        proxy.Thaw();

        // Healed: A's held calls arrive late and change nothing; it stays a follower. That is a
        // property over time: the window holds its held renewal and a dozen of its polls.
        await Continually.HoldsForAsync(() => !Dispatching(a), LeaseDuration * 2, "A to stay a follower after the thaw");
        // And nothing more is sent: B, still dispatching, has looked at the table twice more since.
        await b.WaitForDispatchRoundsAsync();
        Assert.Equal(byA.Count + byB.Count, Titles(fake).Count);
        Assert.True(Dispatching(b));
        Assert.Equal(Alerts, await b.CountAlertsAsync("sent_at IS NOT NULL"));
    }

    private static Dictionary<string, string?> Settings(FakeDingTalk fake, string token)
    {
        var settings = NotifierTestHost.OneRobot(fake, token);
        settings["DingTalk:DispatcherLeaseDuration"] = LeaseDuration.ToString();
        // No folding: a second copy, if one were sent, would go out on its own and show.
        settings["DingTalk:FoldWindow"] = "00:00:00";
        return settings;
    }

    private static bool Dispatching(DeliveryTestHost host) => host.App.Services.GetRequiredService<TargetStates>().Dispatching;

    private static List<string> Titles(FakeDingTalk fake) =>
        [.. fake.Delivered("replica-a").Concat(fake.Delivered("replica-b")).Select(m => m.Title!)];
}
