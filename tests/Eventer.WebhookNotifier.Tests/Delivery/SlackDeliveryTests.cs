using Eventer.Testing;
using Eventer.Testing.Slack;

namespace Eventer.WebhookNotifier.Tests.Delivery;

[Trait("Category", "Integration")]
public sealed class SlackDeliveryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Warnings_reach_slack_once_each_even_when_redelivered()
    {
        await using var slack = await FakeSlack.StartAsync();
        await using var notifier = await WebhookTestHost.StartAsync(WebhookTestHost.OneTarget("Slack", slack.RegisterHook("ops")));
        var now = DateTimeOffset.UtcNow;
        var warnings = Enumerable.Range(0, 3).Select(i => ObservedSamples.Warning("shop", $"web-{i}", "BackOff", now)).ToList();

        foreach (var warning in warnings.Concat(warnings).Concat(warnings))
        {
            await notifier.PublishAsync(warning);
        }

        await Eventually.HoldsAsync(() => slack.Delivered("ops").Count >= 3, Deadline, "three messages at Slack");
        await notifier.WaitForDispatchRoundsAsync(3);
        Assert.Equal(3, slack.Delivered("ops").Count);
        Assert.Equal(3, slack.Attempts("ops").Count);
        Assert.Equal(["web-0", "web-1", "web-2"], slack.Delivered("ops").Select(m => m.Texts[0].Split(' ').Last()).Order());
        Assert.All(slack.Delivered("ops"), m => Assert.Empty(FakeSlack.LiveMarkup(m.Body)));
    }

    [Fact]
    public async Task A_429_is_waited_out_for_as_long_as_retry_after_says()
    {
        await using var slack = await FakeSlack.StartAsync();
        var settings = WebhookTestHost.OneTarget("Slack", slack.RegisterHook("ops"));
        // Far longer than Retry-After: the wait must come from the header, not the default back-off.
        settings["Webhook:ThrottleBackoff"] = "00:05:00";
        await using var notifier = await WebhookTestHost.StartAsync(settings);
        slack.RespondWithStatus(429, "rate_limited", count: 1, retryAfterSeconds: 2);

        await notifier.PublishAsync(ObservedSamples.Warning("shop", "web-0", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(() => slack.Delivered("ops").Count == 1, Deadline, "the message after the wait");
        var attempts = slack.Attempts("ops");
        Assert.Equal([429, 200], attempts.Select(a => a.HttpStatus));
        Assert.InRange(attempts[1].At - attempts[0].At, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task An_archived_channel_makes_the_target_misconfigured_and_keeps_its_alerts()
    {
        await using var slack = await FakeSlack.StartAsync();
        var url = slack.RegisterHook("ops");
        slack.SetHookState("ops", SlackHookState.Archived);
        var settings = WebhookTestHost.OneTarget("Slack", url);
        settings["Webhook:MisconfiguredRetryInterval"] = "00:00:02";
        await using var notifier = await WebhookTestHost.StartAsync(settings);

        await notifier.PublishAsync(ObservedSamples.Warning("shop", "web-0", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(async () => (await notifier.ReadinessAsync()).RobotsStatus == "Unhealthy", Deadline, "readiness to name the target");
        Assert.Contains("ops: misconfigured (HTTP 410: channel_is_archived)", (await notifier.ReadinessAsync()).RobotsDescription);
        Assert.Equal(1, await notifier.CountAlertsAsync("sent_at IS NULL"));

        // Someone unarchives the channel: the kept alert goes out at the next try.
        slack.SetHookState("ops", SlackHookState.Active);
        await Eventually.HoldsAsync(() => slack.Delivered("ops").Count == 1, Deadline, "the kept alert sent");
        Assert.All(notifier.Logs.GetSnapshot(), l => Assert.DoesNotContain(url, l.Message));
    }

    [Fact]
    public async Task A_payload_slack_refuses_is_set_aside_at_once_and_the_rest_go_on()
    {
        await using var slack = await FakeSlack.StartAsync();
        await using var notifier = await WebhookTestHost.StartAsync(WebhookTestHost.OneTarget("Slack", slack.RegisterHook("ops")));
        slack.RespondWithStatus(400, "invalid_payload", count: 1);

        await notifier.PublishAsync(ObservedSamples.Warning("shop", "web-0", "BackOff", DateTimeOffset.UtcNow));
        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("disposition = 'failed'") == 1, Deadline, "the refused alert set aside");
        await notifier.PublishAsync(ObservedSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(() => slack.Delivered("ops").Count == 1, Deadline, "the next alert sent");
        Assert.Equal(2, slack.Attempts("ops").Count);
        Assert.Contains(notifier.Logs.GetSnapshot(), l => l.Message.StartsWith("Gave up on a single alert for target ops", StringComparison.Ordinal));
    }
}
