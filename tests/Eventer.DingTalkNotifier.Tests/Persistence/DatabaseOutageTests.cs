using Eventer.DingTalkNotifier.Delivery;
using Eventer.Notifications.Delivery;
using Eventer.Testing.Notifications;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Network;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Eventer.DingTalkNotifier.Tests.Persistence;

/// <summary>PostgreSQL gone mid-stream: occurrences wait in RabbitMQ, alerts wait in the table, and every one is sent once it is back.</summary>
[Trait("Category", "Fault")]
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(BusSettings.Default)]
    [InlineData(BusSettings.KillSwitchOutOfReach)]
    public async Task Through_a_cut_connection(BusSettings bus)
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dingtalk");
        await using var proxy = await TcpProxy.StartForPostgresAsync(database);
        await RunOutageAsync(proxy.RoutePostgres(database), bus, cut: () => { proxy.Cut(); return Task.CompletedTask; },
            restore: () => { proxy.Restore(); return Task.CompletedTask; });
    }

    [Theory]
    [InlineData(BusSettings.Default)]
    [InlineData(BusSettings.KillSwitchOutOfReach)]
    public async Task With_the_server_really_stopped_and_started(BusSettings bus)
    {
        await using var server = await PostgresServer.StartDedicatedAsync();
        var database = await server.CreateDatabaseAsync("dingtalk");
        await RunOutageAsync(database, bus, cut: server.StopAsync, restore: server.StartAsync);
    }

    [Fact]
    public async Task An_alert_DingTalk_accepted_just_before_the_database_went_away_is_not_sent_again()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dingtalk");
        await using var proxy = await TcpProxy.StartForPostgresAsync(database);
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("late-answer");
        var settings = NotifierTestHost.OneRobot(fake, "late-answer");
        // No folding: a second copy, if the notifier sent one, would go out at once and show.
        settings["DingTalk:FoldWindow"] = "00:00:00";
        await using var notifier = await NotifierTestHost.StartAsync(settings, postgres: proxy.RoutePostgres(database));
        // DingTalk takes the message at once and answers late; the database goes in between.
        fake.ResponseDelay = TimeSpan.FromSeconds(1);

        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow));
        await Eventually.HoldsAsync(() => fake.Delivered("late-answer").Count == 1, Slow, "DingTalk to have the message");
        var failuresBefore = DispatchFailures(notifier);
        proxy.Cut();
        // The answer arrives, and marking the alert sent fails: the case this test is about.
        await Eventually.HoldsAsync(() => DispatchFailures(notifier) > failuresBefore, Slow, "the dispatcher to fail to mark the accepted alert");
        fake.ResponseDelay = TimeSpan.Zero;
        proxy.Restore();

        await Eventually.HoldsAsync(async () => await CountOrZeroAsync(notifier, "sent_at IS NOT NULL") == 1, Slow, "the alert marked sent");
        // Whatever the dispatcher still thought pending, its next round would send: two rounds later, still one attempt.
        await notifier.WaitForDispatchRoundsAsync();
        Assert.Single(fake.Attempts("late-answer"));
    }

    /// <remarks>
    /// With the kill switch out of reach the test shows the consumer's own answer to an unreachable
    /// database: wait, never give up. With the default settings it shows that the kill switch does
    /// not change the outcome.
    /// </remarks>
    private static async Task RunOutageAsync(string database, BusSettings bus, Func<Task> cut, Func<Task> restore)
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("outage");
        var settings = NotifierTestHost.OneRobot(fake, "outage").With(bus);
        await using var notifier = await NotifierTestHost.StartAsync(settings, postgres: database);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 5; i++)
        {
            await notifier.PublishAsync(NotifierSamples.Warning("shop", $"before-{i}", "BackOff", now));
        }

        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == 5, Slow, "the first five sent");

        await cut();
        for (var i = 0; i < 10; i++)
        {
            await notifier.PublishAsync(NotifierSamples.Warning("shop", $"during-{i}", "BackOff", now));
        }

        await Eventually.HoldsAsync(async () => (await notifier.ReadinessAsync()).Status == 503, Slow, "readiness to report the database down");
        // More failed writes than the bus's own retries allow (Bus:RetryLimit, 3): an outage
        // handled as an ordinary fault would be in the error queue, and counted by the kill switch, by now.
        await Eventually.HoldsAsync(() => notifier.WriteFailures.GetMeasurementSnapshot().EvaluateAsCounter() >= 5, Slow,
            "the batch to have failed and been retried");
        await restore();

        await Eventually.HoldsAsync(async () => await CountOrZeroAsync(notifier, "sent_at IS NOT NULL") == 15, Slow, "all fifteen sent once the database is back");
        var titles = fake.Delivered("outage").Select(d => d.Title!).ToList();
        Assert.Equal(15, titles.Count);
        Assert.Equal(15, titles.Distinct().Count());
        // And before the inbox's key: no occurrence reached the consumer twice.
        Assert.Equal(0, notifier.Duplicates.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Empty(await RabbitMqServer.DrainAsync(notifier.RabbitMq, "dingtalk-notifier_error"));
    }

    /// <summary>Times the dispatcher's loop failed and started over (logged once each).</summary>
    private static int DispatchFailures(DeliveryTestHost notifier) =>
        notifier.Logs.GetSnapshot().Count(l => l.Category == typeof(AlertDispatcher).FullName && l.Level >= LogLevel.Warning
            && l.Message.StartsWith("Dispatching alerts", StringComparison.Ordinal));

    private static async Task<long> CountOrZeroAsync(DeliveryTestHost notifier, string where)
    {
        try
        {
            return await notifier.CountAlertsAsync(where);
        }
        catch (Npgsql.NpgsqlException)
        {
            return 0; // the server is on its way back
        }
    }
}
