using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Eventer.Testing.Fixtures;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Eventer.DingTalkNotifier.Tests.Consumers;

[Trait("Category", "Integration")]
public sealed class KubeEventObservedConsumerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_redelivered_message_notifies_once()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("redelivery");
        var settings = NotifierTestHost.OneRobot(fake, "redelivery");
        // No folding: a second row, if the inbox let one in, would be sent at once and show.
        settings["DingTalk:FoldWindow"] = "00:00:00";
        await using var notifier = await NotifierTestHost.StartAsync(settings);
        var occurrence = NotifierSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow);

        await notifier.PublishAsync(occurrence);
        await Eventually.HoldsAsync(() => fake.Delivered("redelivery").Count == 1, Deadline, "the first delivery sent");
        // Again as RabbitMQ redelivers it, and again as the archive replays it (one after the other:
        // MassTransit itself drops a second copy inside one batch).
        await notifier.PublishAsync(occurrence);
        await Eventually.HoldsAsync(() => Total(notifier.Duplicates) == 1, Deadline, "the redelivered copy consumed");
        await notifier.PublishAsync(occurrence, c => c.Headers.Set("eventer-replayed", "true"));

        await Eventually.HoldsAsync(() => Total(notifier.Duplicates) == 2, Deadline, "both copies consumed");
        // Had the inbox let a copy in, the next round would send it: two rounds later, still one message.
        await notifier.WaitForDispatchRoundsAsync();
        Assert.Single(fake.Delivered("redelivery"));
        Assert.Equal(1, await notifier.CountAlertsAsync());
    }

    [Fact]
    public async Task Routes_send_each_occurrence_to_its_robot_with_its_mentions_and_drop_the_rest()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("ops-token");
        fake.AddRobot("pay-token");
        var settings = NotifierTestHost.OneRobot(fake, "ops-token");
        settings["DingTalk:Robots:payments:Webhook"] = fake.WebhookUrl("pay-token");
        settings["DingTalk:DefaultRobot"] = "ops";
        settings["DingTalk:Routes:0:Name"] = "noisy";
        settings["DingTalk:Routes:0:Match:Reason"] = "DNSConfigForming";
        settings["DingTalk:Routes:0:Drop"] = "true";
        settings["DingTalk:Routes:1:Name"] = "payments";
        settings["DingTalk:Routes:1:Match:Namespace"] = "pay-.*";
        settings["DingTalk:Routes:1:Robot"] = "payments";
        settings["DingTalk:Routes:1:AtMobiles:0"] = "13800000000";
        await using var notifier = await NotifierTestHost.StartAsync(settings);
        var now = DateTimeOffset.UtcNow;

        await notifier.PublishAsync(NotifierSamples.Warning("pay-eu", "checkout-1", "BackOff", now));
        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-1", "BackOff", now));
        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-2", "DNSConfigForming", now));
        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-3", "Pulled", now) with { Type = "Normal" });

        await Eventually.HoldsAsync(() => Total(notifier.NotRouted) == 2, Deadline, "the dropped and the Normal occurrence consumed");
        await Eventually.HoldsAsync(() => fake.Delivered("pay-token").Count == 1 && fake.Delivered("ops-token").Count == 1, Deadline,
            "one alert at each robot");
        // All four consumed: had the dropped or the Normal one been queued, the next round would send it.
        await notifier.WaitForDispatchRoundsAsync();
        var payment = Assert.Single(fake.Delivered("pay-token"));
        Assert.Contains("Pod **checkout-1**", payment.Text);
        Assert.Equal(["13800000000"], payment.AtMobiles);
        Assert.EndsWith("@13800000000", payment.Text);
        Assert.Contains("web-1", Assert.Single(fake.Delivered("ops-token")).Text);
        Assert.Equal(2, await notifier.CountAlertsAsync());
    }

    [Fact]
    public async Task An_event_whose_text_PostgreSQL_cannot_hold_is_alerted_and_its_batch_with_it()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("nul");
        await using var notifier = await NotifierTestHost.StartAsync(NotifierTestHost.OneRobot(fake, "nul"));
        var now = DateTimeOffset.UtcNow;
        // jsonb refuses U+0000; an escaped backslash before "u0000" is text and must stay.
        var nul = NotifierSamples.Warning("shop", "web-nul", "BackOff", now, "exit status \\u0000 and \\\\u0000 then \u0000 end");

        await Task.WhenAll(
            notifier.PublishAsync(nul),
            notifier.PublishAsync(NotifierSamples.Warning("shop", "web-2", "BackOff", now)),
            notifier.PublishAsync(NotifierSamples.Warning("shop", "web-3", "BackOff", now)));

        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == 3, Deadline, "all three sent");
        var text = Assert.Single(fake.Delivered("nul"), d => d.Title!.EndsWith("web-nul")).Text;
        Assert.Contains(@"exit status \\u0000 and \\\\u0000 then  end", text);
        Assert.Empty(await RabbitMqServer.DrainAsync(notifier.RabbitMq, "dingtalk-notifier_error"));
    }

    [Fact]
    public async Task The_queue_has_a_single_active_consumer_so_replicas_never_consume_together()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        await using var notifier = await NotifierTestHost.StartAsync(NotifierTestHost.OneRobot(fake, "sac"));

        var queue = await (await RabbitMqServer.GetAsync()).GetQueueAsync(notifier.RabbitMq, NotifierHost.Queue);

        Assert.NotNull(queue);
        Assert.Equal("true", queue.Arguments.GetValueOrDefault("x-single-active-consumer"));
    }

    private static long Total(MetricCollector<long> collector) => NotifierTestHost.Total(collector);
}
