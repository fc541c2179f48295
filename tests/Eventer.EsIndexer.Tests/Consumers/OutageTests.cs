using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Elasticsearch;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Network;

namespace Eventer.EsIndexer.Tests.Consumers;

/// <summary>Elasticsearch away or refusing whole requests: messages wait in RabbitMQ, none in es-indexer_error, all indexed once it is back.</summary>
[Trait("Category", "Fault")]
public sealed class OutageTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(BusSettings.Default)]
    [InlineData(BusSettings.KillSwitchOutOfReach)]
    public async Task Through_a_cut_connection(BusSettings bus)
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8);
        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", elasticsearch.Address.Port);
        await RunOutageAsync(elasticsearch, $"http://{proxy.Host}:{proxy.Port}", bus,
            cut: proxy.Cut, restore: proxy.Restore, expectedProblem: "Elasticsearch is unreachable");
    }

    [Theory]
    [InlineData(BusSettings.Default)]
    [InlineData(BusSettings.KillSwitchOutOfReach)]
    public async Task Through_503_answers(BusSettings bus)
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.OpenSearch2);
        await RunOutageAsync(elasticsearch, elasticsearch.Address.ToString(), bus,
            cut: () => elasticsearch.RespondWithStatus(503, 1_000_000), restore: elasticsearch.ClearInjectedStatuses,
            expectedProblem: "Elasticsearch failed: a bulk request was answered 503");
    }

    private static async Task RunOutageAsync(FakeElasticsearch elasticsearch, string address, BusSettings bus, Action cut, Action restore, string expectedProblem)
    {
        await using var indexer = await EsIndexerTestHost.StartAsync(address, new Dictionary<string, string?>().With(bus));
        var before = Enumerable.Range(0, 10).Select(_ => EsSamples.Seed()).ToList();
        await indexer.PublishAsync(before);
        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count == 10, Slow, "the first ten indexed");

        cut();
        var during = Enumerable.Range(0, 30).Select(_ => EsSamples.Seed()).ToList();
        await indexer.PublishAsync(during);
        await Eventually.HoldsAsync(async () => (await indexer.App.ReadinessAsync("elasticsearch")).Description.StartsWith(expectedProblem, StringComparison.Ordinal),
            Slow, $"readiness to say '{expectedProblem}'");
        // More failed requests than the bus's own retries allow (Bus:RetryLimit): an outage handled
        // as an ordinary fault would be in es-indexer_error, and counted by the kill switch, by now.
        await Eventually.HoldsAsync(() => indexer.Count(indexer.RequestFailures) >= 5, Slow, "the batch to have failed and been retried");
        Assert.Equal(10, elasticsearch.Documents.Count);
        restore();

        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count == 40, Slow, "all forty indexed once Elasticsearch is back");
        Assert.Equal(before.Concat(during).Select(OccurrenceKey.For).Order(), elasticsearch.Documents.Select(d => d.Id).Order());
        // A cut can hide the answer to a bulk that was written: its resend is answered 409. So every
        // occurrence is indexed once or found present, and none is indexed twice.
        await Eventually.HoldsAsync(() => indexer.Count(indexer.Indexed) + indexer.Count(indexer.AlreadyPresent) >= 40, Slow, "every occurrence settled");
        Assert.InRange(indexer.Count(indexer.Indexed), 10, 40);
        Assert.Equal(40, elasticsearch.Documents.Count);
        Assert.Empty(await RabbitMqServer.DrainAsync(indexer.RabbitMq, "es-indexer_error"));
        await indexer.App.WaitUntilReadyAsync(Slow);
    }
}
