using System.Diagnostics;
using Eventer.Archive;
using Eventer.Collector;
using Eventer.DingTalkNotifier;
using Eventer.EsIndexer;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Eventer.Testing.Elasticsearch;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;
using Eventer.Testing.Network;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Eventer.EndToEnd.Tests;

/// <summary>One trace from the collector's observation, through the outbox and RabbitMQ, into the archive's write, the Elasticsearch bulk and the DingTalk send.</summary>
[Trait("Category", "EndToEnd")]
public sealed class TracingTests : IAsyncLifetime
{
    private readonly List<Activity> _spans = [];
    private TracerProvider _tracing = null!;
    private FakeKubeApiServer _api = null!;
    private TcpProxy _brokerProxy = null!;
    private WebApplication _archive = null!;
    private WebApplication _collector = null!;
    private WebApplication _notifier = null!;
    private WebApplication _esIndexer = null!;
    private FakeElasticsearch _elasticsearch = null!;
    private FakeDingTalk _dingTalk = null!;
    private string _postgres = "";
    private string _kubeconfig = "";

    public async Task InitializeAsync()
    {
        // Listeners are process-wide: this provider sees the spans of both hosts.
        _tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("Eventer.*", "MassTransit", "Npgsql")
            .AddInMemoryExporter(_spans)
            .Build()!;
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("trace");
        _postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("trace");
        _api = await FakeKubeApiServer.StartAsync();
        _kubeconfig = _api.WriteKubeconfig();
        _brokerProxy = await TcpProxy.StartForAmqpAsync(rabbitMq);

        _archive = ArchiveHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = _postgres,
        }));
        _dingTalk = await FakeDingTalk.StartAsync();
        _dingTalk.AddRobot("trace");
        _notifier = NotifierHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = _postgres,
            ["DingTalk:Robots:ops:Webhook"] = _dingTalk.WebhookUrl("trace"),
            ["DingTalk:DispatchInterval"] = "00:00:00.100",
        }));
        _elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8);
        _esIndexer = EsIndexerHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:elasticsearch"] = _elasticsearch.Address.ToString(),
            ["EsIndexer:BatchTimeLimit"] = "00:00:00.100",
        }));
        _collector = CollectorHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = _brokerProxy.RouteAmqp(rabbitMq),
            ["ConnectionStrings:postgres"] = _postgres,
            ["Collector:ClusterName"] = "trace",
            ["Collector:Kubeconfig"] = _kubeconfig,
            ["Collector:Outbox:MaxBackoff"] = "00:00:00.500",
            ["Collector:Outbox:PublishTimeout"] = "00:00:05",
        }));
        await _archive.StartAsync();
        await _archive.WaitUntilReadyAsync();
        await _notifier.StartAsync();
        await _notifier.WaitUntilReadyAsync();
        await _esIndexer.StartAsync();
        await _esIndexer.WaitUntilReadyAsync();
        await _collector.StartAsync();
        await _collector.WaitUntilReadyAsync();
    }

    [Fact]
    public async Task The_archive_write_the_bulk_index_and_the_alert_are_in_the_trace_of_the_observation_also_after_a_broker_outage()
    {
        var direct = KubeEvents.Uid(_api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));
        await ArchivedAsync(direct);

        _brokerProxy.Cut();
        var delayed = KubeEvents.Uid(_api.Add(KubeEvents.CoreV1("shop", "web-2", "BackOff", "Back-off")));
        await Eventually.HoldsAsync(async () => await UnsentAsync() == 1, TimeSpan.FromSeconds(30), "the row waiting in the outbox");
        _brokerProxy.Restore();
        await ArchivedAsync(delayed);

        await Eventually.HoldsAsync(() => _dingTalk.Delivered("trace").Count == 2, TimeSpan.FromSeconds(60), "both alerts sent");
        // At least: under load a send may time out and be made again.
        try
        {
            await Eventually.HoldsAsync(() => Spans().Count(s => s.OperationName == "dingtalk send") >= 2, TimeSpan.FromSeconds(30), "both send spans ended");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}: {Spans().Length} spans: " + string.Join(", ", Spans().GroupBy(s => $"{s.Source.Name}/{s.OperationName}").Select(g => $"{g.Key}×{g.Count()}")), ex);
        }
        await Eventually.HoldsAsync(() => _elasticsearch.Documents.Count == 2, TimeSpan.FromSeconds(60), "both indexed");
        await Eventually.HoldsAsync(() => Spans().Count(s => s.OperationName == "es bulk") >= 2, TimeSpan.FromSeconds(30), "both bulk spans ended");
        _tracing.ForceFlush();
        AssertOneTrace(direct);
        AssertOneTrace(delayed);
    }

    private Activity[] Spans()
    {
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    private void AssertOneTrace(string uid)
    {
        var spans = Spans();

        var observed = Assert.Single(spans, s => s.OperationName == "observe KubeEventObserved" && (string?)s.GetTagItem("eventer.event_uid") == uid);
        var trace = spans.Where(s => s.TraceId == observed.TraceId).ToList();
        // The relay publishes MassTransit's envelope itself; the consumer continues its span from MT-Activity-Id.
        // (After an outage the failed attempts are in the trace too.)
        var publishes = trace.Where(s => s.Source.Name == "Eventer.Collector" && s.OperationName == "outbox publish" && s.Kind == ActivityKind.Producer).ToList();
        Assert.NotEmpty(publishes);
        Assert.Contains(trace, s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer && publishes.Any(p => p.SpanId == s.ParentSpanId));
        Assert.Contains(trace, s => s.Source.Name == "Npgsql" && Statement(s).Contains("INSERT INTO archive.occurrences"));
        Assert.Contains(trace, s => s.Source.Name == "Eventer.EsIndexer" && s.OperationName == "es bulk");
        Assert.Contains(trace, s => s.Source.Name == "Eventer.DingTalkNotifier" && s.OperationName == "dingtalk send"
            && (string?)s.GetTagItem("dingtalk.shape") == "single");
    }

    private static string Statement(Activity span) =>
        span.GetTagItem("db.query.text") as string ?? span.GetTagItem("db.statement") as string ?? span.DisplayName;

    private async Task ArchivedAsync(string uid) =>
        await Eventually.HoldsAsync(async () => await ScalarAsync($"SELECT count(*) FROM archive.occurrences WHERE event_uid = '{uid}'") == 1,
            TimeSpan.FromSeconds(60), $"{uid} archived");

    private Task<long> UnsentAsync() => ScalarAsync("SELECT count(*) FROM collector.outbox WHERE sent_at IS NULL");

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        await _collector.StopAsync();
        await _collector.DisposeAsync();
        await _archive.StopAsync();
        await _archive.DisposeAsync();
        await _notifier.StopAsync();
        await _notifier.DisposeAsync();
        await _esIndexer.StopAsync();
        await _esIndexer.DisposeAsync();
        await _elasticsearch.DisposeAsync();
        await _dingTalk.DisposeAsync();
        await _brokerProxy.DisposeAsync();
        await _api.DisposeAsync();
        _tracing.Dispose();
        File.Delete(_kubeconfig);
    }
}
