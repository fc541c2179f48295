using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace Eventer.Collector.Tests;

/// <summary>
/// Everything a collector host needs, real where it can be: the fake apiserver, a RabbitMQ virtual
/// host with a probe queue bound to the exchange, and a PostgreSQL database for the outbox.
/// </summary>
internal sealed class CollectorRig : IAsyncDisposable
{
    private readonly List<WebApplication> _hosts = [];
    private string _kubeconfig = "";

    public FakeKubeApiServer Api { get; private set; } = null!;

    public string RabbitMq { get; private set; } = "";

    public string Postgres { get; private set; } = "";

    /// <summary>The kubeconfig of the fake API server, for a collector started as a process.</summary>
    public string Kubeconfig => _kubeconfig;

    public ProbeQueue Probe { get; private set; } = null!;


    /// <summary>What the rig's collectors logged (Information and up).</summary>
    public FakeLogCollector Logs { get; } = new();

    /// <summary>Creates the rig; without <paramref name="bindProbe"/> no queue is bound to the exchange until <see cref="BindProbeAsync"/>.</summary>
    public static async Task<CollectorRig> CreateAsync(string? rabbitMq = null, string? postgres = null, bool bindProbe = true)
    {
        var rig = new CollectorRig
        {
            Api = await FakeKubeApiServer.StartAsync(),
            RabbitMq = rabbitMq ?? await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("collector"),
            Postgres = postgres ?? await (await PostgresServer.GetAsync()).CreateDatabaseAsync("collector"),
        };
        rig._kubeconfig = rig.Api.WriteKubeconfig();
        if (bindProbe)
        {
            await rig.BindProbeAsync();
        }

        return rig;
    }

    /// <summary>Binds the probe queue to the exchange (what a consumer starting does).</summary>
    public async Task BindProbeAsync() => Probe = await ProbeQueue.BindAsync(RabbitMq);

    /// <summary>Starts a collector host and waits until it is ready (listed, watching, relay working).</summary>
    public async Task<WebApplication> StartCollectorAsync(Dictionary<string, string?>? settings = null,
        string? rabbitMq = null, string? postgres = null, bool waitUntilReady = true, Action<WebApplication>? beforeStart = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq ?? RabbitMq,
            ["ConnectionStrings:postgres"] = postgres ?? Postgres,
            ["Collector:ClusterName"] = "rig",
            ["Collector:Kubeconfig"] = _kubeconfig,
            ["Collector:MaxBackoff"] = "00:00:00.500",
            ["Collector:Outbox:RelayPollInterval"] = "00:00:00.200",
            ["Collector:Outbox:MaxBackoff"] = "00:00:00.500",
            ["Collector:Outbox:PublishTimeout"] = "00:00:05",
            ["Logging:LogLevel:Eventer"] = "Information",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var app = CollectorHost.Build([], b => b.UseTestSettings(all));
        // Added after the host is built, so ServiceDefaults' ClearProviders cannot remove it.
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(Logs));
        _hosts.Add(app);
        beforeStart?.Invoke(app);
        await app.StartAsync();
        if (waitUntilReady)
        {
            await app.WaitUntilReadyAsync();
        }

        return app;
    }

    /// <summary>Adds <paramref name="count"/> Warning events about pods named after <paramref name="prefix"/>; returns their uids.</summary>
    public List<string> AddEvents(string prefix, int count) =>
        Enumerable.Range(0, count)
            .Select(i => KubeEvents.Uid(Api.Add(KubeEvents.CoreV1("shop", $"{prefix}-{i}", "BackOff", $"Back-off {prefix} {i}"))))
            .ToList();

    /// <summary>Outbox rows not yet published.</summary>
    public async Task<long> UnsentAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM collector.outbox WHERE sent_at IS NULL", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Adds a sentinel event and waits for it at the probe queue: everything served before it has been handled.</summary>
    public async Task SettleAsync(TimeSpan? timeout = null)
    {
        var sentinel = Api.Add(KubeEvents.CoreV1("default", $"sentinel-{Guid.NewGuid():N}", "Sentinel", "settle"));
        await Probe.WaitForAsync(KubeEvents.Uid(sentinel), timeout: timeout);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _hosts)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (Probe is not null)
        {
            await Probe.DisposeAsync();
        }

        await Api.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}
