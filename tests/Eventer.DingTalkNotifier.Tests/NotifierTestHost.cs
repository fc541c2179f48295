using System.Diagnostics.Metrics;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Eventer.Testing.Fixtures;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace Eventer.DingTalkNotifier.Tests;

/// <summary>The real notifier host on its own virtual host and database, its robots pointing at a <see cref="FakeDingTalk"/>.</summary>
internal sealed class NotifierTestHost : IAsyncDisposable
{
    private NotifierTestHost(WebApplication app, string rabbitMq, string postgres, FakeLogCollector logs)
    {
        App = app;
        RabbitMq = rabbitMq;
        Postgres = postgres;
        Logs = logs;
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        Duplicates = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.occurrences.duplicates");
        WriteFailures = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.write.failures");
        NotRouted = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.occurrences.not_routed");
        DispatchRounds = new MetricCollector<long>(meters, NotifierHost.Sink.TelemetryName, "eventer.dingtalk.dispatch.rounds");
    }

    public WebApplication App { get; }

    public string RabbitMq { get; }

    public string Postgres { get; }

    public FakeLogCollector Logs { get; }

    public MetricCollector<long> Duplicates { get; }

    public MetricCollector<long> WriteFailures { get; }

    public MetricCollector<long> NotRouted { get; }

    public MetricCollector<long> DispatchRounds { get; }

    /// <summary>
    /// Settings for one robot <c>ops</c> on <paramref name="fake"/> with token <paramref name="token"/>,
    /// quick dispatching and back-offs; a test adds or overrides keys.
    /// </summary>
    public static Dictionary<string, string?> OneRobot(FakeDingTalk fake, string token, string? secret = null) => new()
    {
        ["DingTalk:Robots:ops:Webhook"] = fake.WebhookUrl(token),
        ["DingTalk:Robots:ops:Secret"] = secret,
        ["DingTalk:DispatchInterval"] = "00:00:00.100",
        ["DingTalk:ThrottleBackoff"] = "00:00:00.500",
        ["DingTalk:RequestTimeout"] = "00:00:02",
    };

    /// <summary>Starts a notifier; pass <paramref name="rabbitMq"/> and <paramref name="postgres"/> to restart one on the same queue and database.</summary>
    public static async Task<NotifierTestHost> StartAsync(
        Dictionary<string, string?> settings, string? rabbitMq = null, string? postgres = null, bool waitUntilReady = true,
        Action<WebApplicationBuilder>? configure = null)
    {
        rabbitMq ??= await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("dingtalk");
        postgres ??= await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dingtalk");
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = postgres,
            ["Bus:RetryLimit"] = "1",
            ["Bus:RetryInterval"] = "00:00:00.100",
            ["Logging:LogLevel:Eventer"] = "Information",
        };
        all.Overlay(settings);

        var logs = new FakeLogCollector();
        var app = NotifierHost.Build([], b =>
        {
            b.UseTestSettings(all);
            configure?.Invoke(b);
        });
        // Added after the host is built, so ServiceDefaults' ClearProviders cannot remove it.
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(logs));
        var host = new NotifierTestHost(app, rabbitMq, postgres, logs);
        await app.StartAsync();
        if (waitUntilReady)
        {
            await app.WaitUntilReadyAsync();
        }

        return host;
    }

    /// <summary>Publishes as the collector does: MessageId from the occurrence key.</summary>
    /// <remarks>
    /// Awaited inside an async method on purpose: MassTransit keeps its log context in an AsyncLocal
    /// that Publish sets, and it must not flow back into the test and on into the next host the test
    /// builds (where it would hand over this host's logger factory, disposed by then).
    /// </remarks>
    public async Task PublishAsync(KubeEventObserved occurrence, Action<PublishContext>? configure = null) =>
        await App.Services.GetRequiredService<IBus>().Publish(occurrence, c =>
        {
            c.MessageId = OccurrenceKey.MessageIdFor(occurrence);
            configure?.Invoke(c);
        });

    /// <summary>
    /// Waits until this replica's dispatcher has completed <paramref name="rounds"/> more rounds: how
    /// a test says "and then nothing more happened" without a sleep. The round in progress at the
    /// call counts as one and may have read the table before it, so two or more leave at least one
    /// whole round that began after the call.
    /// </summary>
    public async Task WaitForDispatchRoundsAsync(int rounds = 2)
    {
        var target = Total(DispatchRounds) + rounds;
        await Eventually.HoldsAsync(() => Total(DispatchRounds) >= target, TimeSpan.FromSeconds(30), $"{rounds} more dispatch rounds");
    }

    /// <summary>The sum of a counter's measurements so far.</summary>
    public static long Total(MetricCollector<long> counter) => counter.GetMeasurementSnapshot().EvaluateAsCounter();

    /// <summary>Rows of dingtalk.alerts matching <paramref name="where"/>.</summary>
    public async Task<long> CountAlertsAsync(string where = "true")
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM dingtalk.alerts WHERE {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The readiness answer: HTTP status and the robots check's status and description.</summary>
    public async Task<(int Status, string RobotsStatus, string RobotsDescription)> ReadinessAsync() => await App.ReadinessAsync("robots");

    public async ValueTask DisposeAsync()
    {
        Duplicates.Dispose();
        WriteFailures.Dispose();
        NotRouted.Dispose();
        DispatchRounds.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
