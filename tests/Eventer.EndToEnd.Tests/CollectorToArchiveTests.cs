using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Eventer.Archive;
using Eventer.Collector;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;

namespace Eventer.EndToEnd.Tests;

/// <summary>
/// The whole first path: Events served by the fake kube-apiserver are watched by the real
/// collector, published to a real RabbitMQ, consumed by the real archive and stored in a real
/// PostgreSQL — every occurrence exactly once, with its fields intact. "Once" is counted where a
/// duplicate would show before the archive's primary key hides it: at a probe queue bound to the
/// exchange (every publish) and in the archive's own count of inserts.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class CollectorToArchiveTests : IAsyncLifetime
{
    private FakeKubeApiServer _api = null!;
    private WebApplication _archive = null!;
    private WebApplication _collector = null!;
    private ProbeQueue _probe = null!;
    private MetricCollector<long> _inserted = null!;
    private string _postgres = "";
    private string _kubeconfig = "";

    public async Task InitializeAsync()
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("e2e");
        _postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("e2e");
        _api = await FakeKubeApiServer.StartAsync();
        _kubeconfig = _api.WriteKubeconfig();

        _archive = ArchiveHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = _postgres,
        }));
        _inserted = new MetricCollector<long>(_archive.Services.GetRequiredService<IMeterFactory>(), ArchiveMetrics.Name, "eventer.archive.occurrences.stored");
        _probe = await ProbeQueue.BindAsync(rabbitMq);
        _collector = CollectorHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = _postgres,
            ["Collector:ClusterName"] = "e2e",
            ["Collector:Kubeconfig"] = _kubeconfig,
        }));
    }

    [Fact]
    public async Task Every_served_event_is_archived_exactly_once_with_its_fields()
    {
        // Present before the collector starts: the real seed (count 2416) and twenty more.
        var seed = _api.Add(Samples.SeedEvent());
        var listed = Enumerable.Range(1, 20)
            .Select(i => _api.Add(KubeEvents.CoreV1($"ns-{i % 3}", $"web-{i}", "BackOff", $"Back-off restarting failed container {i}")))
            .ToList();
        var expected = new HashSet<(string Uid, int Occurrence)> { (KubeEvents.Uid(seed), 2416) };
        expected.UnionWith(listed.Select(e => (KubeEvents.Uid(e), 1)));

        // The archive's queue must be bound before anything is published to the exchange.
        await _archive.StartAsync();
        await _archive.WaitUntilReadyAsync();
        await _collector.StartAsync();
        await _collector.WaitUntilReadyAsync();

        // While it watches: ten new events, five of them repeated twice, and a touch that is no occurrence.
        for (var i = 1; i <= 10; i++)
        {
            var uid = KubeEvents.Uid(_api.Add(KubeEvents.CoreV1("live", $"api-{i}", "Unhealthy", "Readiness probe failed: HTTP 503")));
            expected.Add((uid, 1));
            if (i % 2 == 0)
            {
                _api.Modify(uid, KubeEvents.Repeat);
                _api.Modify(uid, e => e["metadata"]!["annotations"] = new JsonObject { ["touched"] = "yes" });
                _api.Modify(uid, KubeEvents.Repeat);
                expected.Add((uid, 2));
                expected.Add((uid, 3));
            }
        }

        await Eventually.HoldsAsync(async () => (await StoredAsync()).Count >= expected.Count, TimeSpan.FromSeconds(60),
            $"{expected.Count} archived occurrences");

        // A sentinel after everything else: once it is stored, nothing earlier is still on its way.
        var sentinel = KubeEvents.Uid(_api.Add(KubeEvents.CoreV1("live", "sentinel", "Sentinel", "last")));
        expected.Add((sentinel, 1));
        await Eventually.HoldsAsync(async () => (await StoredAsync()).Contains((sentinel, 1)), TimeSpan.FromSeconds(30), "the sentinel archived");

        var stored = await StoredAsync();
        Assert.Equal(expected.OrderBy(e => e.Uid).ThenBy(e => e.Occurrence), stored.OrderBy(e => e.Uid).ThenBy(e => e.Occurrence));
        await _probe.PollAsync();
        Assert.Empty(_probe.Doubled());
        Assert.Equal(expected.Count, _probe.Received.Count);
        Assert.Equal(expected.Count, _inserted.GetMeasurementSnapshot().EvaluateAsCounter());
        await AssertSeedFieldsAsync(KubeEvents.Uid(seed));
    }

    private async Task<List<(string Uid, int Occurrence)>> StoredAsync()
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT event_uid, occurrence FROM archive.occurrences WHERE cluster = 'e2e'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, int)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1)));
        }

        return rows;
    }

    private async Task AssertSeedFieldsAsync(string uid)
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT occurrence_key, type, reason, message, involved_kind, involved_namespace, involved_name, involved_uid,
                   source_component, count, first_timestamp, last_timestamp, source_api, event_name
            FROM archive.occurrences WHERE event_uid = @uid
            """, connection);
        command.Parameters.AddWithValue("uid", uid);
        await using var r = await command.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal($"e2e/{uid}/2416", r.GetString(0));
        Assert.Equal("Warning", r.GetString(1));
        Assert.Equal("PortAlreadyAllocated", r.GetString(2));
        Assert.Equal("Port 666 was assigned to multiple services; please recreate service", r.GetString(3));
        Assert.Equal(("Service", "default", "my-sb-svc", "96117aad-4f24-11ea-a87c-00163e04f1e0"), (r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7)));
        Assert.Equal("portallocator-repair-controller", r.GetString(8));
        Assert.Equal(2416, r.GetInt32(9));
        Assert.Equal(new DateTime(2020, 2, 14, 12, 22, 43, DateTimeKind.Utc), r.GetDateTime(10));
        Assert.Equal(new DateTime(2020, 2, 19, 13, 8, 25, DateTimeKind.Utc), r.GetDateTime(11));
        Assert.Equal("core/v1", r.GetString(12));
        Assert.Equal("my-sb-svc.15f344468d77364d", r.GetString(13));
        Assert.False(await r.ReadAsync());
    }

    public async Task DisposeAsync()
    {
        await _collector.StopAsync();
        await _collector.DisposeAsync();
        await _archive.StopAsync();
        await _archive.DisposeAsync();
        _inserted.Dispose();
        await _probe.DisposeAsync();
        await _api.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}
