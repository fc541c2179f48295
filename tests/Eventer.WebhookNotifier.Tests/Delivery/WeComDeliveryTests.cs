using Eventer.Testing;
using Eventer.Testing.WeCom;

namespace Eventer.WebhookNotifier.Tests.Delivery;

[Trait("Category", "Integration")]
public sealed class WeComDeliveryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_storm_stays_within_twenty_a_minute_and_every_occurrence_is_represented()
    {
        await using var wecom = await FakeWeCom.StartAsync();
        var settings = WebhookTestHost.OneTarget("WeCom", wecom.RegisterRobot("robot"));
        // The storm is planned as a whole: it is all pending before the next round looks (a round
        // that saw only its first part would spend the minute's budget on it alone).
        settings["Webhook:DispatchInterval"] = "00:00:02";
        await using var notifier = await WebhookTestHost.StartAsync(settings);
        var now = DateTimeOffset.UtcNow;

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => notifier.PublishAsync(ObservedSamples.Warning("shop", $"web-{i}", "BackOff", now))));

        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NULL") == 0 && await notifier.CountAlertsAsync() == 50,
            Deadline, "all 50 represented");
        await notifier.WaitForDispatchRoundsAsync(3);
        // 50 alerts, budget 20: 19 alone, the 20th summarises the other 31 — and WeCom never said 45009.
        Assert.Equal(20, wecom.Delivered("robot").Count);
        Assert.All(wecom.Attempts("robot"), a => Assert.Equal(0, a.ErrCode));
        Assert.Contains("31 more Warnings", wecom.Delivered("robot")[^1].RawBody);
    }

    [Fact]
    public async Task Errcode_45009_is_backed_off_and_the_alert_sent_once()
    {
        await using var wecom = await FakeWeCom.StartAsync();
        await using var notifier = await WebhookTestHost.StartAsync(WebhookTestHost.OneTarget("WeCom", wecom.RegisterRobot("robot")));
        wecom.FailNext(WeComErrors.FreqOutOfLimit, "api freq out of limit");

        await notifier.PublishAsync(ObservedSamples.Warning("shop", "web-0", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(() => wecom.Delivered("robot").Count == 1, Deadline, "the message after the back-off");
        Assert.Equal([WeComErrors.FreqOutOfLimit, 0], wecom.Attempts("robot").Select(a => a.ErrCode));
    }

    [Fact]
    public async Task An_unknown_key_is_misconfigured()
    {
        await using var wecom = await FakeWeCom.StartAsync();
        await using var notifier = await WebhookTestHost.StartAsync(WebhookTestHost.OneTarget("WeCom", wecom.WebhookUrl("never-registered")));

        await notifier.PublishAsync(ObservedSamples.Warning("shop", "web-0", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(async () => (await notifier.ReadinessAsync()).RobotsStatus == "Unhealthy", Deadline, "readiness to name the target");
        Assert.Contains("ops: misconfigured (errcode 93000", (await notifier.ReadinessAsync()).RobotsDescription);
        Assert.Equal(1, await notifier.CountAlertsAsync("sent_at IS NULL"));
    }
}
