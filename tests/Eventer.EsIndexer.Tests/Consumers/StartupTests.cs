using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Elasticsearch;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Network;
using Microsoft.Extensions.Logging.Testing;

namespace Eventer.EsIndexer.Tests.Consumers;

/// <summary>Setting up against a cluster that refuses: credentials, and what readiness and the logs say.</summary>
[Trait("Category", "Integration")]
public sealed class StartupTests
{
    private const string Password = "hunter2-s3cret";
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Credentials_from_the_url_are_sent_as_basic_auth_and_never_logged_or_shown()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch9, new FakeElasticsearchOptions { Username = "eventer", Password = Password });
        await using var indexer = await EsIndexerTestHost.StartAsync($"http://eventer:{Password}@127.0.0.1:{elasticsearch.Address.Port}");

        var message = EsSamples.Seed();
        await indexer.PublishAsync([message]);
        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count == 1, Slow, "indexed with the credentials");
        Assert.All(elasticsearch.BulkRequests, r => Assert.True(r.Authenticated));
        AssertNoSecret(indexer.Logs, (await indexer.App.ReadinessAsync("elasticsearch")).Description);
    }

    [Fact]
    public async Task Wrong_credentials_keep_messages_queued_and_readiness_says_why_without_the_password()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8, new FakeElasticsearchOptions { Username = "eventer", Password = "right" });
        await using var indexer = await EsIndexerTestHost.StartAsync($"http://eventer:{Password}@127.0.0.1:{elasticsearch.Address.Port}", waitUntilReady: false);

        await Eventually.HoldsAsync(async () => (await indexer.App.ReadinessAsync("elasticsearch")).Description.Contains("refused the credentials", StringComparison.Ordinal),
            Slow, "readiness to name the refused credentials");
        await indexer.PublishAsync(Enumerable.Range(0, 5).Select(_ => EsSamples.Seed()));
        var rabbit = await RabbitMqServer.GetAsync();
        await Eventually.HoldsAsync(async () => (await rabbit.GetQueueAsync(indexer.RabbitMq, "es-indexer")) is { } queue && queue.Ready + queue.Unacknowledged == 5,
            Slow, "the five to wait in es-indexer");

        var readiness = await indexer.App.ReadinessAsync("elasticsearch");
        Assert.Equal(503, readiness.HttpStatus);
        Assert.Contains("401", readiness.Description);
        Assert.Empty(elasticsearch.Documents);
        Assert.Null(await rabbit.GetQueueAsync(indexer.RabbitMq, "es-indexer_error"));
        Assert.Contains(indexer.Logs.GetSnapshot(), r => r.Message.Contains("refused the credentials", StringComparison.Ordinal));
        AssertNoSecret(indexer.Logs, readiness.Description);
    }

    [Fact]
    public async Task Starts_while_elasticsearch_is_down_and_indexes_once_it_is_there()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch7);
        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", elasticsearch.Address.Port);
        proxy.Cut();
        await using var indexer = await EsIndexerTestHost.StartAsync($"http://{proxy.Host}:{proxy.Port}", waitUntilReady: false);
        var message = EsSamples.Seed();
        await indexer.PublishAsync([message]);
        await Eventually.HoldsAsync(async () => (await indexer.App.ReadinessAsync("elasticsearch")).Description.StartsWith("Elasticsearch is unreachable", StringComparison.Ordinal),
            Slow, "readiness to say Elasticsearch is unreachable");

        proxy.Restore();

        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count == 1, Slow, "indexed once Elasticsearch is up");
        Assert.Equal(OccurrenceKey.For(message), elasticsearch.Documents[0].Id);
        Assert.True(elasticsearch.IndexTemplates.ContainsKey("kube-events"), "the template installed before the first write");
        await indexer.App.WaitUntilReadyAsync(Slow);
    }

    [Fact]
    public async Task An_api_key_is_sent_as_such()
    {
        const string apiKey = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8, new FakeElasticsearchOptions { ApiKey = apiKey });
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString(), new() { ["EsIndexer:ApiKey"] = apiKey });

        await indexer.PublishAsync([EsSamples.Seed()]);

        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count == 1, Slow, "indexed with the API key");
        Assert.All(elasticsearch.BulkRequests, r => Assert.True(r.Authenticated));
    }

    [Fact]
    public async Task With_one_of_two_nodes_down_the_other_takes_the_writes()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8);
        await using var down = await TcpProxy.StartAsync("127.0.0.1", elasticsearch.Address.Port);
        await using var up = await TcpProxy.StartAsync("127.0.0.1", elasticsearch.Address.Port);
        down.Cut();
        await using var indexer = await EsIndexerTestHost.StartAsync($"http://{down.Host}:{down.Port},http://{up.Host}:{up.Port}");

        var messages = Enumerable.Range(0, 20).Select(_ => EsSamples.Seed()).ToList();
        foreach (var message in messages)
        {
            await indexer.PublishAsync([message]);
        }

        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count == 20, Slow, "all indexed through the node that is up");
        Assert.Equal(messages.Select(OccurrenceKey.For).Order(), elasticsearch.Documents.Select(d => d.Id).Order());
    }

    [Fact]
    public async Task An_answer_lost_after_the_write_makes_the_resend_a_409_not_a_second_document()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch9);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString());
        elasticsearch.DropNextAnswers(1);
        var messages = Enumerable.Range(0, 10).Select(_ => EsSamples.Seed()).ToList();

        await indexer.PublishAsync(messages);

        await Eventually.HoldsAsync(() => indexer.Count(indexer.Indexed) + indexer.Count(indexer.AlreadyPresent) == 10, Slow, "every occurrence settled");
        // The batch whose answer was lost came again (counted before the _id deduplicates) and was answered 409.
        var resent = indexer.Count(indexer.AlreadyPresent);
        Assert.InRange(resent, 1, 10);
        Assert.Equal(10 + resent, elasticsearch.CreateActions);
        Assert.Equal(10, elasticsearch.Documents.Count);
        Assert.Equal(messages.Select(OccurrenceKey.For).Order(), elasticsearch.Documents.Select(d => d.Id).Order());
        Assert.Empty(await RabbitMqServer.DrainAsync(indexer.RabbitMq, "es-indexer_error"));
    }

    private static void AssertNoSecret(FakeLogCollector logs, string readiness)
    {
        Assert.DoesNotContain(Password, readiness);
        Assert.All(logs.GetSnapshot(), r =>
        {
            Assert.DoesNotContain(Password, r.Message);
            Assert.DoesNotContain(Password, r.Exception?.ToString() ?? "");
        });
    }
}
