using System.Text.Json.Nodes;
using Eventer.Testing;
using Eventer.Testing.Webhooks;

namespace Eventer.WebhookNotifier.Tests.Delivery;

[Trait("Category", "Integration")]
public sealed class JsonDeliveryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Hostile_text_arrives_as_valid_json_with_the_configured_headers()
    {
        await using var receiver = await FakeWebhookReceiver.StartAsync();
        var url = receiver.RegisterEndpoint("alerts", new Dictionary<string, string?> { ["Authorization"] = "Bearer s3cret" });
        var settings = WebhookTestHost.OneTarget("Json", url);
        settings["Webhook:Targets:ops:Headers:Authorization"] = "Bearer s3cret";
        settings["Webhook:Targets:ops:Template"] = """{"text": {{ message | json }}, "who": {{ name | json }}, "count": {{ count }}}""";
        await using var notifier = await WebhookTestHost.StartAsync(settings);
        var hostile = WebhookSamples.HostileWarning(DateTimeOffset.UtcNow);

        await notifier.PublishAsync(hostile);

        await Eventually.HoldsAsync(() => receiver.Delivered("alerts").Count == 1, Deadline, "the body at the receiver");
        Assert.True(receiver.AllBodiesAreJson("alerts"));
        var body = receiver.Delivered("alerts")[0].Json!;
        Assert.Equal(WebhookSamples.Hostile, (string?)body["text"]);
        Assert.Equal(hostile.InvolvedObject.Name, (string?)body["who"]);
        Assert.All(notifier.Logs.GetSnapshot(), l => Assert.DoesNotContain("s3cret", l.Message));
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_and_notified_once_also_when_the_message_is_replayed()
    {
        await using var receiver = await FakeWebhookReceiver.StartAsync();
        await using var notifier = await WebhookTestHost.StartAsync(WebhookTestHost.OneTarget("Json", receiver.RegisterEndpoint("alerts")));
        receiver.RespondWith(503, count: 2);
        var warning = ObservedSamples.Warning("shop", "web-0", "BackOff", DateTimeOffset.UtcNow);

        await notifier.PublishAsync(warning);
        await Eventually.HoldsAsync(() => receiver.Delivered("alerts").Count == 1, Deadline, "the body after two failures");
        // The archive's replay publishes the stored occurrence again with its own MessageId.
        await notifier.PublishAsync(warning);
        await Eventually.HoldsAsync(() => DeliveryTestHostTotal(notifier) >= 1, Deadline, "the replayed copy seen as a duplicate");
        await notifier.WaitForDispatchRoundsAsync(3);

        Assert.Equal(3, receiver.Received("alerts").Count);
        Assert.Single(receiver.Delivered("alerts"));
        Assert.Equal("alert", (string?)receiver.Delivered("alerts")[0].Json!["kind"]);
    }

    private static long DeliveryTestHostTotal(Eventer.Testing.Notifications.DeliveryTestHost notifier) =>
        Eventer.Testing.Notifications.DeliveryTestHost.Total(notifier.Duplicates);
}
