using System.Text;
using Eventer.Collector.Mapping;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Eventer.Testing.Kubernetes;
using k8s;
using k8s.Models;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

/// <summary>
/// The hostile Events of issue 9 as the collector publishes them (cleaned by its mapper): none may
/// stall or fault the notifier, whose times are shown in a zone east of UTC, where 9999-12-31
/// 23:59:59Z has no local time (TimeZoneInfo then keeps the UTC offset rather than throwing).
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostileEventTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Each_cleaned_hostile_event_is_sent_and_the_event_after_it_too()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("hostile");
        var settings = NotifierTestHost.OneRobot(fake, "hostile");
        settings["DingTalk:TimeZone"] = "Asia/Shanghai";
        await using var notifier = await NotifierTestHost.StartAsync(settings);
        var mapper = new KubeEventMapper("prod-hz", TimeProvider.System);
        var hostile = HostileEvents.All("shop").Where(h => h.Readable)
            .Select(h => (h.Case, Event: mapper.FromCoreV1(KubernetesJson.Deserialize<Corev1Event>(Uid(h).ToJsonString()))))
            .ToList();

        foreach (var (@case, occurrence) in hostile)
        {
            await notifier.PublishAsync(occurrence);
            await notifier.PublishAsync(NotifierSamples.Warning("shop", $"after-{@case}", "BackOff", DateTimeOffset.UtcNow));
            await Eventually.HoldsAsync(() => fake.Delivered("hostile").Any(d => d.Text.Contains($"after-{@case}", StringComparison.Ordinal)),
                Deadline, $"the alert after {@case}");
        }

        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == hostile.Count * 2, Deadline, "every occurrence sent");
        var delivered = fake.Delivered("hostile");
        Assert.All(delivered, d => Assert.InRange(Encoding.UTF8.GetByteCount(d.Text), 1, FakeDingTalk.MaxTextBytes));
        Assert.Contains(delivered, d => d.Text.Contains("disk\uFFFDfull", StringComparison.Ordinal));
        Assert.Contains(delivered, d => d.Text.Contains("hostile-megabyte-message", StringComparison.Ordinal) && d.Text.Contains("…(truncated)", StringComparison.Ordinal));
        Assert.Contains(delivered, d => d.Text.Contains("hostile-ten-thousand-labels", StringComparison.Ordinal));

        // 9999-12-31 23:59:59Z has no time at +08:00: it is shown as it is, with its own offset.
        Assert.Contains(delivered, d => d.Text.Contains("last 9999-12-31 23:59 +00:00", StringComparison.Ordinal));

        // 0001-01-01 is long past MaxAge: held back in a note, not dropped.
        Assert.Contains(delivered, d => d.Title!.Contains("held back", StringComparison.Ordinal)
            && d.Text.Contains("Last seen between 0001-01-01", StringComparison.Ordinal) && d.Text.Contains("hostile-first-instant", StringComparison.Ordinal));
    }

    /// <summary>The fake apiserver assigns uids; here the event gets one as it would.</summary>
    private static System.Text.Json.Nodes.JsonObject Uid(HostileEvent hostile)
    {
        var @event = hostile.Event.DeepClone().AsObject();
        @event["metadata"]!["uid"] = Guid.NewGuid().ToString();
        return @event;
    }
}
