using Eventer.Testing;
using Eventer.Testing.Feishu;
using Eventer.WebhookNotifier.Platforms;

namespace Eventer.WebhookNotifier.Tests.Delivery;

[Trait("Category", "Integration")]
public sealed class FeishuDeliveryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_signature_is_feishus_not_dingtalks()
    {
        // The guide's example (secret "demo", timestamp 1599360473), computed with its algorithm.
        Assert.Equal("l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=", FeishuPlatform.Sign("demo", 1599360473));
    }

    [Fact]
    public async Task A_signed_bot_with_a_keyword_gets_every_warning_without_hitting_its_per_second_limit()
    {
        await using var feishu = await FakeFeishu.StartAsync();
        var settings = WebhookTestHost.OneTarget("Feishu", feishu.RegisterBot("bot", secret: "feishu-secret", keywords: ["k8s"]));
        settings["Webhook:Targets:ops:Secret"] = "feishu-secret";
        settings["Webhook:Targets:ops:Keyword"] = "k8s";
        await using var notifier = await WebhookTestHost.StartAsync(settings);
        var now = DateTimeOffset.UtcNow;

        // 12 distinct alerts at once: within the minute's 100, above the second's 5.
        for (var i = 0; i < 12; i++)
        {
            await notifier.PublishAsync(ObservedSamples.Warning("shop", $"web-{i}", "BackOff", now));
        }

        await Eventually.HoldsAsync(() => feishu.Delivered("bot").Count == 12, Deadline, "twelve messages at Feishu");
        Assert.All(feishu.Attempts("bot"), a => Assert.Equal(0, a.Code));
        Assert.All(feishu.Delivered("bot"), m => Assert.Empty(FakeFeishu.LiveMarkup(m.Body)));
        // Paced, not refused: no five-message second ever held a sixth.
        var times = feishu.Attempts("bot").Select(a => a.At).Order().ToList();
        Assert.All(Enumerable.Range(5, times.Count - 5), i => Assert.True(times[i] - times[i - 5] >= TimeSpan.FromSeconds(1), $"6 sends within a second at {i}"));
    }

    [Fact]
    public async Task A_wrong_secret_makes_the_target_misconfigured_without_losing_alerts()
    {
        await using var feishu = await FakeFeishu.StartAsync();
        var settings = WebhookTestHost.OneTarget("Feishu", feishu.RegisterBot("bot", secret: "the-right-one"));
        settings["Webhook:Targets:ops:Secret"] = "a-wrong-one";
        settings["Webhook:MisconfiguredRetryInterval"] = "00:10:00";
        await using var notifier = await WebhookTestHost.StartAsync(settings);

        await notifier.PublishAsync(ObservedSamples.Warning("shop", "web-0", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(async () => (await notifier.ReadinessAsync()).RobotsStatus == "Unhealthy", Deadline, "readiness to name the target");
        Assert.Contains("ops: misconfigured (code 19021", (await notifier.ReadinessAsync()).RobotsDescription);
        await notifier.WaitForDispatchRoundsAsync(3);
        Assert.Single(feishu.Attempts("bot"));
        Assert.Equal(1, await notifier.CountAlertsAsync("sent_at IS NULL"));
        Assert.All(notifier.Logs.GetSnapshot(), l => Assert.DoesNotContain("a-wrong-one", l.Message));
    }

    [Fact]
    public async Task Feishus_frequency_limit_is_backed_off_and_the_alert_sent_once()
    {
        await using var feishu = await FakeFeishu.StartAsync();
        await using var notifier = await WebhookTestHost.StartAsync(WebhookTestHost.OneTarget("Feishu", feishu.RegisterBot("bot")));
        feishu.FailNext(FeishuErrors.FrequencyLimited, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]");

        await notifier.PublishAsync(ObservedSamples.Warning("shop", "web-0", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(() => feishu.Delivered("bot").Count == 1, Deadline, "the message after the back-off");
        Assert.Equal([FeishuErrors.FrequencyLimited, 0], feishu.Attempts("bot").Select(a => a.Code));
        await notifier.WaitForDispatchRoundsAsync(3);
        Assert.Single(feishu.Delivered("bot"));
    }
}
