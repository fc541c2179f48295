using System.Net;
using System.Text.Json;
using Eventer.Archive;
using Eventer.Collector;
using Eventer.Collector.Mapping;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Npgsql;

namespace Eventer.EndToEnd.Tests;

/// <summary>
/// Issue 9, "hostile content never stalls", end to end: the fake apiserver serves every hostile
/// Event, each followed by a normal one, to the real collector (listed, then watched), through a real
/// RabbitMQ into the real archive and its PostgreSQL. Every normal event is archived; the readable
/// hostile ones are archived cleaned and served by the archive's API; the unreadable ones are not.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class HostileContentTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private FakeKubeApiServer _api = null!;
    private WebApplication _archive = null!;
    private WebApplication _collector = null!;
    private string _postgres = "";
    private string _kubeconfig = "";

    public async Task InitializeAsync()
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("e2e-hostile");
        _postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("e2e_hostile");
        _api = await FakeKubeApiServer.StartAsync();
        _kubeconfig = _api.WriteKubeconfig();
        _archive = ArchiveHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = _postgres,
        }));
        _collector = CollectorHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = _postgres,
            ["Collector:ClusterName"] = "e2e",
            ["Collector:Kubeconfig"] = _kubeconfig,
            ["Collector:ListPageSize"] = "2",
        }));
    }

    [Fact]
    public async Task Every_event_after_a_hostile_one_is_archived_and_the_hostile_ones_are_archived_cleaned_or_skipped()
    {
        var listed = HostileEvents.All("listed").Select(h => (Case: h, Uid: h.AddTo(_api), After: AddNormalAfter(h))).ToList();
        await _archive.StartAsync();
        await _archive.WaitUntilReadyAsync();
        await _collector.StartAsync();
        await _collector.WaitUntilReadyAsync();
        foreach (var (_, _, after) in listed)
        {
            await ArchivedAsync(after);
        }

        var watched = new List<(HostileEvent Case, string Uid)>();
        foreach (var hostile in HostileEvents.All("watched"))
        {
            watched.Add((hostile, hostile.Readable ? hostile.AddTo(_api) : hostile.SendAsWatchLine(_api)));
            await ArchivedAsync(AddNormalAfter(hostile));
        }

        var sentinel = KubeEvents.Uid(_api.Add(KubeEvents.CoreV1("live", "sentinel", "Sentinel", "last")));
        await ArchivedAsync(sentinel);
        foreach (var (hostile, uid) in listed.Select(l => (l.Case, l.Uid)).Concat(watched))
        {
            await AssertArchivedCleanedAsync(hostile, uid);
        }

        Assert.Equal(0, await CountAsync("SELECT count(*) FROM collector.dead_letters"));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM collector.outbox WHERE sent_at IS NULL"));
    }

    private string AddNormalAfter(HostileEvent hostile)
    {
        var normal = KubeEvents.CoreV1((string)hostile.Event["metadata"]!["namespace"]!, $"after-{hostile.Case}", "BackOff", $"the event after {hostile.Case}");
        normal["metadata"]!["name"] = $"{hostile.Event["metadata"]!["name"]}-after"; // listed right after it
        return KubeEvents.Uid(_api.Add(normal));
    }

    private Task ArchivedAsync(string uid) =>
        Eventually.HoldsAsync(async () => await CountAsync($"SELECT count(*) FROM archive.occurrences WHERE event_uid = '{uid}'") == 1,
            TimeSpan.FromSeconds(60), $"event {uid} archived");

    private async Task AssertArchivedCleanedAsync(HostileEvent hostile, string uid)
    {
        var stored = await CountAsync($"SELECT count(*) FROM archive.occurrences WHERE event_uid = '{uid}'");
        if (!hostile.Readable)
        {
            Assert.True(stored == 0, $"{hostile.Case} was archived although the client cannot read it");
            return;
        }

        Assert.True(stored == 1, $"{hostile.Case} was archived {stored} times");

        // Read back through the archive's API: the extremes must survive its reading and serializing too.
        using var response = await Http.GetAsync(new Uri(_archive.Address(), $"/api/events/{uid}"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{hostile.Case}: the API answered {response.StatusCode}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var item = body.RootElement.GetProperty("occurrences")[0];
        switch (hostile.Case)
        {
            case HostileEvents.Nul:
                Assert.Equal("disk\uFFFDfull", item.GetProperty("message").GetString());
                Assert.Equal("shop\uFFFD", item.GetProperty("labels").GetProperty("team\uFFFD").GetString());
                break;
            case HostileEvents.MegabyteMessage:
                Assert.Equal(StorableText.Cap(new string('x', HostileEvents.MegabyteLength), StorableText.MaxMessageBytes), item.GetProperty("message").GetString());
                break;
            case HostileEvents.TenThousandLabels:
                Assert.Equal(10_000, item.GetProperty("labels").EnumerateObject().Count());
                break;
            case HostileEvents.FirstInstant:
                Assert.Equal("0001-01-01T00:00:00Z", item.GetProperty("firstTimestamp").GetString());
                break;
            case HostileEvents.LastInstant:
                Assert.Equal("9999-12-31T23:59:59Z", item.GetProperty("lastTimestamp").GetString());
                break;
            default:
                Assert.Fail($"no expectation for readable case {hostile.Case}");
                break;
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        return (long)(await new NpgsqlCommand(sql, connection).ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        await _collector.StopAsync();
        await _collector.DisposeAsync();
        await _archive.StopAsync();
        await _archive.DisposeAsync();
        await _api.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}
