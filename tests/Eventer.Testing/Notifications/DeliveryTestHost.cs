using System.Diagnostics.Metrics;
using Eventer.Contracts;
using Eventer.Testing.Fixtures;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace Eventer.Testing.Notifications;

/// <summary>What tells one notifier on the delivery core from another, for tests.</summary>
/// <param name="Build">The service's host builder (e.g. <c>NotifierHost.Build</c>), given the test's configuration.</param>
/// <param name="Schema">Its PostgreSQL schema, e.g. <c>dingtalk</c>.</param>
/// <param name="TelemetryName">Its meter, e.g. <c>Eventer.DingTalkNotifier</c>.</param>
/// <param name="Prefix">Its metric prefix, e.g. <c>dingtalk</c>.</param>
/// <param name="TargetsCheck">Its readiness check of the targets, e.g. <c>robots</c>.</param>
public sealed record NotifierKind(
    Func<Action<WebApplicationBuilder>, WebApplication> Build, string Schema, string TelemetryName, string Prefix, string TargetsCheck);

/// <summary>A real notifier host (DingTalk, webhook) on its own virtual host and database, its targets pointing at fakes.</summary>
public sealed class DeliveryTestHost : IAsyncDisposable
{
    private readonly NotifierKind _kind;

    private DeliveryTestHost(NotifierKind kind, WebApplication app, string rabbitMq, string postgres, FakeLogCollector logs)
    {
        _kind = kind;
        App = app;
        RabbitMq = rabbitMq;
        Postgres = postgres;
        Logs = logs;
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        var p = $"eventer.{kind.Prefix}.";
        Duplicates = new MetricCollector<long>(meters, kind.TelemetryName, p + "occurrences.duplicates");
        WriteFailures = new MetricCollector<long>(meters, kind.TelemetryName, p + "write.failures");
        NotRouted = new MetricCollector<long>(meters, kind.TelemetryName, p + "occurrences.not_routed");
        DispatchRounds = new MetricCollector<long>(meters, kind.TelemetryName, p + "dispatch.rounds");
    }

    public WebApplication App { get; }

    public string RabbitMq { get; }

    public string Postgres { get; }

    public FakeLogCollector Logs { get; }

    public MetricCollector<long> Duplicates { get; }

    public MetricCollector<long> WriteFailures { get; }

    public MetricCollector<long> NotRouted { get; }

    public MetricCollector<long> DispatchRounds { get; }

    /// <summary>Starts a notifier; pass <paramref name="rabbitMq"/> and <paramref name="postgres"/> to restart one on the same queue and database.</summary>
    public static async Task<DeliveryTestHost> StartAsync(
        NotifierKind kind, Dictionary<string, string?> settings, string? rabbitMq = null, string? postgres = null, bool waitUntilReady = true,
        Action<WebApplicationBuilder>? configure = null)
    {
        rabbitMq ??= await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync(kind.Schema);
        postgres ??= await (await PostgresServer.GetAsync()).CreateDatabaseAsync(kind.Schema);
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
        var app = kind.Build(b =>
        {
            b.UseTestSettings(all);
            configure?.Invoke(b);
        });
        // Added after the host is built, so ServiceDefaults' ClearProviders cannot remove it.
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(logs));
        var host = new DeliveryTestHost(kind, app, rabbitMq, postgres, logs);
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

    /// <summary>Rows of the notifier's alerts table matching <paramref name="where"/>.</summary>
    public async Task<long> CountAlertsAsync(string where = "true")
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {_kind.Schema}.alerts WHERE {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The readiness answer: HTTP status and the targets check's status and description.</summary>
    public async Task<(int Status, string RobotsStatus, string RobotsDescription)> ReadinessAsync() => await App.ReadinessAsync(_kind.TargetsCheck);

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
