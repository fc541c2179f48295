using System.Diagnostics.Metrics;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Eventer.Archive.Tests;

/// <summary>The real archive host on its own virtual host and database.</summary>
internal sealed class ArchiveTestHost : IAsyncDisposable
{
    private ArchiveTestHost(WebApplication app, string rabbitMq, string postgres)
    {
        App = app;
        RabbitMq = rabbitMq;
        Postgres = postgres;
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        Stored = new MetricCollector<long>(meters, ArchiveMetrics.Name, "eventer.archive.occurrences.stored");
        Duplicates = new MetricCollector<long>(meters, ArchiveMetrics.Name, "eventer.archive.occurrences.duplicates");
    }

    public WebApplication App { get; }

    public string RabbitMq { get; }

    public string Postgres { get; }

    public MetricCollector<long> Stored { get; }

    public MetricCollector<long> Duplicates { get; }

    public static async Task<ArchiveTestHost> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("archive");
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("archive");
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = postgres,
            ["Bus:RetryLimit"] = "1",
            ["Bus:RetryInterval"] = "00:00:00.100",
        };
        all.Overlay(settings);

        var app = ArchiveHost.Build([], b => b.UseTestSettings(all));
        var host = new ArchiveTestHost(app, rabbitMq, postgres);
        await app.StartAsync();
        await app.WaitUntilReadyAsync();
        return host;
    }

    public async Task<long> CountRowsAsync(string where = "true")
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM archive.occurrences WHERE {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        Stored.Dispose();
        Duplicates.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
