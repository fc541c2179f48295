using System.Text;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Rendering;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Microsoft.Extensions.Logging;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

[Trait("Category", "Integration")]
public sealed class RobotFailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_wrong_secret_is_reported_clearly_keeps_the_alerts_and_a_fixed_restart_delivers_them()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("signed-token", secret: "SEC-the-right-one");
        var wrong = NotifierTestHost.OneRobot(fake, "signed-token", secret: "SEC-a-wrong-one");
        wrong["DingTalk:MisconfiguredRetryInterval"] = "00:10:00";
        string rabbitMq, postgres;
        await using (var notifier = await NotifierTestHost.StartAsync(wrong))
        {
            (rabbitMq, postgres) = (notifier.RabbitMq, notifier.Postgres);
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < 3; i++)
            {
                await notifier.PublishAsync(NotifierSamples.Warning("shop", $"web-{i}", "BackOff", now));
            }

            await Eventually.HoldsAsync(async () => (await notifier.ReadinessAsync()).RobotsStatus == "Unhealthy", Deadline, "readiness to show the robot");
            var (status, _, description) = await notifier.ReadinessAsync();
            Assert.Equal(503, status);
            Assert.Contains("ops: misconfigured (errcode 310000: sign not match)", description);
            // Readiness changes a moment before the line is logged.
            await Eventually.HoldsAsync(() => notifier.Logs.GetSnapshot().Any(IsDispatcherError), Deadline, "the error logged");
            var error = Assert.Single(notifier.Logs.GetSnapshot(), IsDispatcherError);
            Assert.Contains("Robot ops is misconfigured: DingTalk refused it with errcode 310000: sign not match", error.Message);
            Assert.Contains("DingTalk:Robots:ops", error.Message);

            // Kept, and not retried in a hot loop: a few dispatch rounds later, still one attempt.
            await notifier.WaitForDispatchRoundsAsync(5);
            Assert.Equal(3, await notifier.CountAlertsAsync("sent_at IS NULL"));
            Assert.Single(fake.Attempts("signed-token"));
            Assert.Empty(fake.Delivered("signed-token"));
            Assert.All(notifier.Logs.GetSnapshot(), l =>
            {
                Assert.DoesNotContain("SEC-a-wrong-one", l.Message);
                Assert.DoesNotContain("signed-token", l.Message);
            });
        }

        // The operator fixes the secret and restarts: same queue, same database.
        await using var fixedNotifier = await NotifierTestHost.StartAsync(
            NotifierTestHost.OneRobot(fake, "signed-token", secret: "SEC-the-right-one"), rabbitMq, postgres);
        await Eventually.HoldsAsync(async () => await fixedNotifier.CountAlertsAsync("sent_at IS NOT NULL") == 3, Deadline, "the kept alerts sent");
        Assert.Equal(3, fake.Delivered("signed-token").Count);
        Assert.Equal(["web-0", "web-1", "web-2"], fake.Delivered("signed-token").Select(d => d.Title!.Split(' ').Last()).Order());
        Assert.Equal("Healthy", (await fixedNotifier.ReadinessAsync()).RobotsStatus);
    }

    [Fact]
    public async Task A_rate_limit_answer_backs_off_and_the_alert_is_sent_later()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("throttled");
        fake.FailNext(DingTalkErrors.SendTooFast, "send too fast, exceed 20 times per minute");
        var settings = NotifierTestHost.OneRobot(fake, "throttled");
        settings["DingTalk:ThrottleBackoff"] = "00:00:02";
        await using var notifier = await NotifierTestHost.StartAsync(settings);

        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(() => fake.Delivered("throttled").Count == 1, Deadline, "the alert sent after the back-off");
        var attempts = fake.Attempts("throttled");
        Assert.Equal([DingTalkErrors.SendTooFast, DingTalkErrors.Ok], attempts.Select(a => a.ErrCode!.Value));
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromSeconds(1.9), "it waited for the back-off");
    }

    [Fact]
    public async Task System_busy_and_gateway_errors_are_retried_until_the_alert_is_sent()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("flaky");
        fake.RespondWithHttpStatus(503);
        fake.FailNext(DingTalkErrors.SystemBusy, "system busy", count: 2);
        await using var notifier = await NotifierTestHost.StartAsync(NotifierTestHost.OneRobot(fake, "flaky"));

        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == 1, Deadline, "the alert sent after the failures");
        Assert.Equal([503, 200, 200, 200], fake.Attempts("flaky").Select(a => a.HttpStatus));
        Assert.Single(fake.Delivered("flaky"));
    }

    [Fact]
    public async Task An_alert_that_keeps_failing_is_set_aside_so_the_robots_other_alerts_go_on()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("stuck");
        // An errcode no retry helps, every time: for the first alert only.
        fake.FailNext(43_004, "unknown failure", count: MostAttempts);
        var settings = NotifierTestHost.OneRobot(fake, "stuck");
        settings["DingTalk:LongestFailureBackoff"] = "00:00:00.100";
        await using var notifier = await NotifierTestHost.StartAsync(settings);

        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow));
        await Eventually.HoldsAsync(() => fake.Attempts("stuck").Count >= 1, Deadline, "the first attempt");
        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-2", "BackOff", DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == 2, Deadline, "both alerts done with");
        Assert.Equal(1, await notifier.CountAlertsAsync("disposition = 'failed'"));
        Assert.Equal("Warning BackOff: Pod web-2", Assert.Single(fake.Delivered("stuck")).Title);
        Assert.Equal(MostAttempts + 1, fake.Attempts("stuck").Count);
        await Eventually.HoldsAsync(() => notifier.Logs.GetSnapshot().Any(l => l.Message.StartsWith("Gave up on a single alert for robot ops")), Deadline, "the give-up logged");
    }

    private const int MostAttempts = AlertDispatcher.MostAttemptsPerAlert;

    private static bool IsDispatcherError(Microsoft.Extensions.Logging.Testing.FakeLogRecord record) =>
        record.Level == LogLevel.Error && record.Category == typeof(AlertDispatcher).FullName;

    [Fact]
    public async Task A_text_DingTalk_finds_too_long_is_shortened_and_sent_again()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("long");
        fake.FailNext(DingTalkErrors.MessageTooLong, "message too long, exceed 20000 bytes");
        await using var notifier = await NotifierTestHost.StartAsync(NotifierTestHost.OneRobot(fake, "long"));
        var verbose = NotifierSamples.Warning("shop", "web-1", "FailedMount", DateTimeOffset.UtcNow, string.Concat(Enumerable.Repeat("mount failed; ", 1_200)));

        await notifier.PublishAsync(verbose);

        await Eventually.HoldsAsync(() => fake.Delivered("long").Count == 1, Deadline, "the shortened alert sent");
        var attempts = fake.Attempts("long");
        Assert.Equal(2, attempts.Count);
        Assert.InRange(Encoding.UTF8.GetByteCount(attempts[0].Message!.Text), 16_000, 19_000);
        var sent = fake.Delivered("long")[0].Text;
        Assert.InRange(Encoding.UTF8.GetByteCount(sent), 1_000, 19_000 / 2);
        Assert.EndsWith(AlertRenderer.TruncationMarker, sent);
    }
}
