using System.Diagnostics.Metrics;
using Eventer.Archive;
using Eventer.DingTalkNotifier;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;

namespace Eventer.EndToEnd.Tests;

/// <summary>
/// One end-to-end system on its own virtual host and database: the fake apiserver, the archive and
/// the DingTalk notifier (in this process, with counters of what they did), a fake DingTalk, and a
/// probe queue that sees every publish before any consumer deduplicates it. The notifier sends
/// Warnings of namespace <see cref="AlertNamespace"/> only, one message per occurrence (no folding),
/// so the messages can be counted per occurrence.
/// </summary>
internal sealed class Pipeline : IAsyncDisposable
{
    public const string Cluster = "e2e";
    public const string AlertNamespace = "alerts";
    public const string RobotToken = "e2e-robot";

    private readonly List<IDisposable> _collectors = [];

    private Pipeline(string rabbitMq, string postgres, FakeKubeApiServer api, FakeDingTalk dingTalk)
    {
        RabbitMq = rabbitMq;
        Postgres = postgres;
        Api = api;
        DingTalk = dingTalk;
        Kubeconfig = api.WriteKubeconfig();
    }

    public string RabbitMq { get; }

    public string Postgres { get; }

    public FakeKubeApiServer Api { get; }

    public FakeDingTalk DingTalk { get; }

    public string Kubeconfig { get; }

    public ProbeQueue? Probe { get; private set; }

    public WebApplication? Archive { get; private set; }

    public WebApplication? Notifier { get; private set; }

    /// <summary>Occurrences the archive inserted (its own count, before anything reads the table).</summary>
    public MetricCollector<long>? ArchiveStored { get; private set; }

    public static async Task<Pipeline> CreateAsync()
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("e2e");
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("e2e");
        var dingTalk = await FakeDingTalk.StartAsync();
        dingTalk.AddRobot(RobotToken);
        return new Pipeline(rabbitMq, postgres, await FakeKubeApiServer.StartAsync(), dingTalk);
    }

    /// <summary>Binds a probe queue to the exchange: from now on it counts every message published.</summary>
    public async Task BindProbeAsync() => Probe = await ProbeQueue.BindAsync(RabbitMq);

    /// <summary>Starts the archive and the notifier (each declares and binds its queue) and waits until both are ready.</summary>
    public async Task StartConsumersAsync() => await Task.WhenAll(StartArchiveAsync(), StartNotifierAsync());

    /// <summary>Starts the archive (queue <c>archive</c>) and waits until it is ready.</summary>
    public async Task StartArchiveAsync()
    {
        Archive = ArchiveHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = RabbitMq,
            ["ConnectionStrings:postgres"] = Postgres,
        }));
        ArchiveStored = Count(Archive, ArchiveMetrics.Name, "eventer.archive.occurrences.stored");
        await Archive.StartAsync();
        await Archive.WaitUntilReadyAsync();
    }

    /// <summary>Starts the DingTalk notifier (queue <c>dingtalk-notifier</c>) and waits until it is ready.</summary>
    public async Task StartNotifierAsync()
    {
        Notifier = NotifierHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = RabbitMq,
            ["ConnectionStrings:postgres"] = Postgres,
            ["DingTalk:Robots:ops:Webhook"] = DingTalk.WebhookUrl(RobotToken),
            ["DingTalk:Routes:0:Name"] = "alerts",
            ["DingTalk:Routes:0:Match:Namespace"] = AlertNamespace,
            ["DingTalk:Routes:0:Robot"] = "ops",
            ["DingTalk:Routes:1:Name"] = "the rest",
            ["DingTalk:Routes:1:Match:Namespace"] = ".*",
            ["DingTalk:Routes:1:Drop"] = "true",
            ["DingTalk:FoldWindow"] = "00:00:00",
            ["DingTalk:DispatchInterval"] = "00:00:00.100",
        }));
        await Notifier.StartAsync();
        await Notifier.WaitUntilReadyAsync();
    }

    /// <summary>The settings of a collector of this pipeline (for a host in this process or a <see cref="ServiceProcess"/>).</summary>
    public Dictionary<string, string?> CollectorSettings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = RabbitMq,
            ["ConnectionStrings:postgres"] = Postgres,
            ["Collector:ClusterName"] = Cluster,
            ["Collector:Kubeconfig"] = Kubeconfig,
            ["Collector:MaxBackoff"] = "00:00:00.500",
            ["Collector:Outbox:RelayPollInterval"] = "00:00:00.200",
            ["Collector:Outbox:MaxBackoff"] = "00:00:00.500",
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Adds a Warning in <see cref="AlertNamespace"/> (one the notifier sends); returns its uid.</summary>
    public string AddAlert(string pod) => KubeEvents.Uid(Api.Add(KubeEvents.CoreV1(AlertNamespace, pod, "BackOff", $"Back-off restarting failed container in {pod}")));

    /// <summary>Every occurrence the fake apiserver's events have had, 1 up to their count, as (uid, occurrence).</summary>
    public HashSet<(string Uid, int Occurrence)> EveryOccurrence() =>
        Api.Events().SelectMany(e => Enumerable.Range(1, (int)e["count"]!).Select(n => (KubeEvents.Uid(e), n))).ToHashSet();

    /// <summary>Every occurrence the fake apiserver holds now, as (uid, occurrence).</summary>
    public HashSet<(string Uid, int Occurrence)> Served() =>
        Api.Events().Select(e => (KubeEvents.Uid(e), (int)e["count"]!)).ToHashSet();

    /// <summary>The archive's rows, as (uid, occurrence).</summary>
    public async Task<List<(string Uid, int Occurrence)>> ArchivedAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT event_uid, occurrence FROM archive.occurrences WHERE cluster = '{Cluster}'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, int)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1)));
        }

        return rows;
    }

    /// <summary>The messages DingTalk accepted.</summary>
    public IReadOnlyList<DingTalkMessage> Alerts => DingTalk.Delivered(RobotToken);

    /// <summary>
    /// Waits until every alert pod has had an alert; on timeout says which are missing, what DingTalk
    /// saw and what the notifier still holds, so a CI failure can be read without the services' logs.
    /// </summary>
    public async Task WaitForAlertsAsync(IReadOnlyCollection<string> pods, TimeSpan deadline)
    {
        try
        {
            await Eventually.HoldsAsync(() => pods.All(pod => AlertsAbout(pod) >= 1), deadline, $"{pods.Count} alerts sent");
        }
        catch (TimeoutException ex)
        {
            var attempts = DingTalk.Attempts(RobotToken);
            var pending = await PendingAlertsAsync();
            throw new TimeoutException($"{ex.Message}. Missing: {string.Join(", ", pods.Where(p => AlertsAbout(p) == 0))}. "
                + $"DingTalk got {attempts.Count} attempts ({string.Join(", ", attempts.GroupBy(a => $"{a.HttpStatus}/{a.ErrCode}").Select(g => $"{g.Key}×{g.Count()}"))}), "
                + $"delivered {Alerts.Count}: {string.Join(" | ", Alerts.Select(m => m.Title))}. Notifier holds: {pending}", ex);
        }
    }

    private async Task<string> PendingAlertsAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(Postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT count(*) || ' rows: ' || coalesce(string_agg(format('%s target=%s route=%s last_seen=%s received=%s sent=%s', id, target, route, last_seen, received_at, sent_at), '; '), '') FROM (SELECT * FROM dingtalk.alerts ORDER BY id LIMIT 30) a", connection);
            return (await command.ExecuteScalarAsync())?.ToString() ?? "nothing";
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            return $"(could not read dingtalk.alerts: {e.Message})";
        }
    }

    /// <summary>How many accepted DingTalk messages name the pod <paramref name="pod"/>.</summary>
    public int AlertsAbout(string pod) => Alerts.Count(m => m.Text.Contains($"**{pod}**", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        _collectors.ForEach(c => c.Dispose());
        foreach (var host in new[] { Notifier, Archive })
        {
            if (host is not null)
            {
                await host.StopAsync();
                await host.DisposeAsync();
            }
        }

        if (Probe is not null)
        {
            await Probe.DisposeAsync();
        }

        await DingTalk.DisposeAsync();
        await Api.DisposeAsync();
        File.Delete(Kubeconfig);
    }

    private MetricCollector<long> Count(WebApplication host, string meter, string instrument)
    {
        var collector = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), meter, instrument);
        _collectors.Add(collector);
        return collector;
    }
}
