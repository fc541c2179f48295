using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using Eventer.Archive;
using Eventer.Contracts;
using Eventer.DingTalkNotifier;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Webhooks;
using Eventer.WebhookNotifier;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Eventer.EndToEnd.Tests;

/// <summary>
/// Both notifiers on the delivery core, in one process and one database (each in its own schema),
/// with the archive: what they sent, a replay of the archive into their queues sends again to nobody.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReplayToNotifiersTests
{
    private const string ReplayToken = "replay-secret";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_replay_into_the_notifiers_queues_notifies_nobody_twice()
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("replay");
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("replay");
        await using var dingTalk = await FakeDingTalk.StartAsync();
        dingTalk.AddRobot("robot");
        await using var receiver = await FakeWebhookReceiver.StartAsync();
        var common = new Dictionary<string, string?> { ["ConnectionStrings:rabbitmq"] = rabbitMq, ["ConnectionStrings:postgres"] = postgres };

        await using var archive = await StartAsync(ArchiveHost.Build([], b => b.UseTestSettings(With(common, new()
        {
            ["Archive:ReplayToken"] = ReplayToken,
        }))));
        await using var dingTalkNotifier = await StartAsync(NotifierHost.Build([], b => b.UseTestSettings(With(common, new()
        {
            ["DingTalk:Robots:ops:Webhook"] = dingTalk.WebhookUrl("robot"),
            ["DingTalk:DispatchInterval"] = "00:00:00.100",
        }))));
        await using var webhookNotifier = await StartAsync(WebhookHost.Build([], b => b.UseTestSettings(With(common, new()
        {
            ["Webhook:Targets:hook:Kind"] = "Json",
            ["Webhook:Targets:hook:Url"] = receiver.RegisterEndpoint("alerts"),
            ["Webhook:DispatchInterval"] = "00:00:00.100",
        }))));
        using var dingTalkDuplicates = Counter(dingTalkNotifier, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.occurrences.duplicates");
        using var webhookDuplicates = Counter(webhookNotifier, WebhookHost.Sink.TelemetryName, "eventer.webhook.occurrences.duplicates");

        var now = DateTimeOffset.UtcNow;
        var warnings = Enumerable.Range(0, 3).Select(i => ObservedSamples.Warning("shop", $"web-{i}", "BackOff", now)).ToList();
        var bus = archive.Services.GetRequiredService<IBus>();
        foreach (var warning in warnings)
        {
            await bus.Publish(warning, c => c.MessageId = OccurrenceKey.MessageIdFor(warning));
        }

        await Eventually.HoldsAsync(() => dingTalk.Delivered("robot").Count == 3 && receiver.Delivered("alerts").Count == 3, Deadline,
            "three alerts at DingTalk and at the webhook");

        using var http = new HttpClient { BaseAddress = archive.Address() };
        http.DefaultRequestHeaders.Authorization = new("Bearer", ReplayToken);
        foreach (var queue in new[] { NotifierHost.Queue, WebhookHost.Queue })
        {
            using var replay = await http.PostAsJsonAsync("/api/replay", new { queue, since = now.AddHours(-1), until = now.AddHours(1) });
            Assert.True(replay.IsSuccessStatusCode, await replay.Content.ReadAsStringAsync());
        }

        // The copies arrive and each notifier's inbox drops them: nothing new is pending, nothing more is sent.
        await Eventually.HoldsAsync(() => Total(dingTalkDuplicates) == 3 && Total(webhookDuplicates) == 3, Deadline, "the replayed copies dropped");
        Assert.Equal(0, await PendingAsync(postgres));
        Assert.Equal(3, dingTalk.Delivered("robot").Count);
        Assert.Equal(3, receiver.Received("alerts").Count);
        Assert.True(receiver.AllBodiesAreJson("alerts"));
    }

    /// <summary>Alerts the two notifiers have not sent.</summary>
    private static async Task<long> PendingAsync(string postgres)
    {
        await using var connection = new Npgsql.NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT (SELECT count(*) FROM dingtalk.alerts WHERE sent_at IS NULL) + (SELECT count(*) FROM webhook.alerts WHERE sent_at IS NULL)", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static MetricCollector<long> Counter(WebApplication app, string meter, string name) =>
        new(app.Services.GetRequiredService<IMeterFactory>(), meter, name);

    private static long Total(MetricCollector<long> counter) => counter.GetMeasurementSnapshot().EvaluateAsCounter();

    private static Dictionary<string, string?> With(Dictionary<string, string?> common, Dictionary<string, string?> own)
    {
        var all = new Dictionary<string, string?>(common);
        all.Overlay(own);
        return all;
    }

    private static async Task<WebApplication> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        await app.WaitUntilReadyAsync();
        return app;
    }
}
