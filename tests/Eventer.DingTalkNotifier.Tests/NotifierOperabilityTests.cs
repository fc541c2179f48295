using System.Diagnostics.Metrics;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.Notifications.Delivery;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace Eventer.DingTalkNotifier.Tests;

[Trait("Category", "Integration")]
public sealed class NotifierOperabilityTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_dry_run_logs_the_rendered_message_and_sends_nothing()
    {
        await using var notifier = await NotifierTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["DingTalk:DryRun"] = "true",
            // No webhook at all: a dry run is for trying routes and templates before there is a robot.
            ["DingTalk:Robots:ops:MessagesPerMinute"] = "20",
            ["DingTalk:Routes:0:Name"] = "everything",
            ["DingTalk:Routes:0:Match:Type"] = "Warning",
            ["DingTalk:Routes:0:Robot"] = "ops",
            ["DingTalk:Routes:0:AtMobiles:0"] = "13800000000",
            ["DingTalk:DispatchInterval"] = "00:00:00.100",
        });
        var seed = NotifierSamples.Seed() with { LastTimestamp = DateTimeOffset.UtcNow };

        await notifier.PublishAsync(seed);

        await Eventually.HoldsAsync(() => notifier.Logs.GetSnapshot().Any(l => l.Category == typeof(DryRunSender).FullName), Deadline, "the dry run logged");
        var logged = Assert.Single(notifier.Logs.GetSnapshot(), l => l.Category == typeof(DryRunSender).FullName);
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Contains("to robot ops, title Warning PortAlreadyAllocated: Service my-sb-svc", logged.Message);
        Assert.Contains("#### ⚠️ Warning · PortAlreadyAllocated\n**prod-hz** › `default` › Service **my-sb-svc**", logged.Message);
        Assert.EndsWith("\n\n@13800000000", logged.Message);
    }

    [Fact]
    public async Task Metrics_count_sent_folded_throttled_and_failed_messages_by_robot()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("metrics");
        fake.FailNext(DingTalkErrors.SendTooFast, "send too fast");
        fake.FailNext(DingTalkErrors.SystemBusy, "system busy");
        var settings = NotifierTestHost.OneRobot(fake, "metrics");
        settings["DingTalk:ThrottleBackoff"] = "00:00:00.200";
        await using var notifier = await NotifierTestHost.StartAsync(settings);
        var meters = notifier.App.Services.GetRequiredService<IMeterFactory>();
        using var sent = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.messages.sent");
        using var delivered = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.occurrences.delivered");
        using var throttled = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.messages.throttled");
        using var failed = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.messages.failed");
        using var notRouted = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.occurrences.not_routed");
        var crashing = NotifierSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow);

        await Task.WhenAll(Enumerable.Range(1, 3).Select(i => notifier.PublishAsync(crashing with { Occurrence = i })));
        await notifier.PublishAsync(crashing with { Type = "Normal", Reason = "Pulled", Occurrence = 1, EventUid = "normal" });

        // The fake records the message before the notifier has its answer: wait for the counter.
        await Eventually.HoldsAsync(() => sent.GetMeasurementSnapshot().EvaluateAsCounter() == 1, Deadline, "the folded alert sent");
        await Eventually.HoldsAsync(() => notRouted.GetMeasurementSnapshot().EvaluateAsCounter() == 1, Deadline, "the Normal counted");
        Assert.Equal(1, Single(sent.GetMeasurementSnapshot(), "folded"));
        Assert.Equal(3, Single(delivered.GetMeasurementSnapshot(), "folded"));
        Assert.Equal(1, throttled.GetMeasurementSnapshot().EvaluateAsCounter());
        var failure = Assert.Single(failed.GetMeasurementSnapshot());
        Assert.Equal("-1", failure.Tags["errcode"]);
        Assert.Equal("ops", failure.Tags["robot"]);
        Assert.Equal("unrouted", Assert.Single(notRouted.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task Of_two_replicas_one_dispatches_the_other_stands_by_and_the_budget_holds()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("replicas");
        var settings = NotifierTestHost.OneRobot(fake, "replicas");
        // The default: a burst is planned whole (were it split, the rest would wait a minute for budget).
        settings["DingTalk:DispatchInterval"] = "00:00:02";
        await using var first = await NotifierTestHost.StartAsync(settings);
        await using var second = await NotifierTestHost.StartAsync(settings, first.RabbitMq, first.Postgres);
        var now = DateTimeOffset.UtcNow;

        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => first.PublishAsync(NotifierSamples.Warning($"team-{i % 6}", $"web-{i}", "BackOff", now))));

        await Eventually.HoldsAsync(async () => await first.CountAlertsAsync("sent_at IS NOT NULL") == 60, TimeSpan.FromMinutes(3), "all 60 sent");
        Assert.All(fake.Attempts("replicas"), a => Assert.Equal(DingTalkErrors.Ok, a.ErrCode));
        Assert.InRange(fake.Delivered("replicas").Count, 2, 20);
        var descriptions = new[] { (await first.ReadinessAsync()).RobotsDescription, (await second.ReadinessAsync()).RobotsDescription };
        Assert.Single(descriptions, d => d.Contains("standby: another replica dispatches"));
    }

    [Fact]
    public async Task The_webhook_token_and_secret_appear_in_no_span_and_no_log()
    {
        const string token = "tok-0123456789abcdef";
        const string secret = "SEC-fedcba9876543210";
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(token, secret: secret);
        fake.FailNext(DingTalkErrors.SystemBusy, "system busy");
        var spans = new List<System.Diagnostics.Activity>();
        var settings = NotifierTestHost.OneRobot(fake, token, secret);

        // A service makes spans only when it exports them: an OTLP endpoint (nobody listens on the
        // discard port) turns its own tracing on, as in production; the test reads the spans in memory.
        settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9";
        await using var notifier = await NotifierTestHost.StartAsync(settings, configure: b =>
            b.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));

        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow));
        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == 1, Deadline, "the alert sent");

        List<System.Diagnostics.Activity> calls;
        lock (spans)
        {
            calls = spans.Where(s => s.Kind == System.Diagnostics.ActivityKind.Client && (s.GetTagItem("url.full") as string ?? "").StartsWith(fake.Address + "robot/send")).ToList();
        }

        // Both calls to this fake were traced (listeners are process-wide, hence the address), and
        // neither names the token or the signature inputs.
        Assert.Equal(2, calls.Count);
        Assert.All(calls.SelectMany(s => s.TagObjects), tag =>
        {
            Assert.DoesNotContain(token, tag.Value?.ToString() ?? "");
            Assert.DoesNotContain(secret, tag.Value?.ToString() ?? "");
        });
        Assert.All(notifier.Logs.GetSnapshot(), l =>
        {
            Assert.DoesNotContain(token, l.Message);
            Assert.DoesNotContain(secret, l.Message);
            Assert.DoesNotContain(token, l.Exception?.ToString() ?? "");
        });
    }

    private static long Single(IReadOnlyList<CollectedMeasurement<long>> measurements, string shape) =>
        measurements.Where(m => (string?)m.Tags["shape"] == shape && (string?)m.Tags["robot"] == "ops").Sum(m => m.Value);
}
