using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Elasticsearch;
using Eventer.Testing.Fixtures;

namespace Eventer.EsIndexer.Tests.Consumers;

/// <summary>Per-item answers: 429 storms are ridden out item by item; a document the mapping refuses is dead-lettered alone.</summary>
[Trait("Category", "Fault")]
public sealed class ItemFaultTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_minute_of_429_for_a_fifth_of_the_items_indexes_everything_once()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString());
        elasticsearch.RejectFractionOfItemsWith429(0.2, seed: 7);

        // Events keep coming during the storm, as they would.
        var messages = new List<KubeEventObserved>();
        var storm = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(storm) < TimeSpan.FromMinutes(1))
        {
            var wave = Enumerable.Range(0, 50).Select(_ => EsSamples.Seed()).ToList();
            messages.AddRange(wave);
            await indexer.PublishAsync(wave);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await Eventually.HoldsAsync(() => indexer.Count(indexer.Retried) >= messages.Count / 10, Slow, "items answered 429 to be sent again");
        elasticsearch.ClearItemRules();

        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count >= messages.Count, Slow, "every occurrence indexed");
        Assert.Equal(messages.Select(OccurrenceKey.For).Order(), elasticsearch.Documents.Select(d => d.Id).Order());
        // Only the refused items were sent again: a whole-batch resend would show here as 409s.
        Assert.Equal(messages.Count, await indexer.SettledCountAsync(indexer.Indexed, messages.Count));
        Assert.Equal(0, indexer.Count(indexer.AlreadyPresent));
        Assert.Equal(messages.Count + indexer.Count(indexer.Retried), elasticsearch.CreateActions);
        Assert.Empty(await RabbitMqServer.DrainAsync(indexer.RabbitMq, "es-indexer_error"));
    }

    [Theory]
    [InlineData(SearchEngine.Elasticsearch7, "mapper_parsing_exception")]
    [InlineData(SearchEngine.Elasticsearch9, "document_parsing_exception")]
    public async Task A_document_the_mapping_refuses_is_dead_lettered_with_its_reason_and_its_batch_mates_are_indexed(SearchEngine engine, string errorType)
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(engine);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString(), new() { ["EsIndexer:BatchTimeLimit"] = "00:00:01" });
        elasticsearch.RejectItems(item => item.Source?["message"]?.GetValue<string>() == "poison"
            ? new ItemFault(400, errorType, "failed to parse field [message] of type [text] in document with id 'x'")
            : null);
        var poison = EsSamples.Seed() with { Message = "poison" };
        var mates = Enumerable.Range(0, 20).Select(_ => EsSamples.Seed()).ToList();

        await indexer.PublishAsync([.. mates.Take(10), poison, .. mates.Skip(10)]);

        await Eventually.HoldsAsync(() => elasticsearch.DocumentsIn("kube-events-prod-hz").Count == 20 && elasticsearch.DocumentsIn("kube-events-deadletter").Count == 1,
            TimeSpan.FromSeconds(60), "the batch-mates indexed and the refused one dead-lettered");
        var deadLetter = Assert.Single(elasticsearch.DocumentsIn("kube-events-deadletter"));
        Assert.Equal(OccurrenceKey.For(poison), deadLetter.Id);
        Assert.Equal(errorType, deadLetter.Source["error"]!["type"]!.GetValue<string>());
        Assert.Equal(400, deadLetter.Source["error"]!["code"]!.GetValue<int>());
        Assert.StartsWith("failed to parse field [message]", deadLetter.Source["error"]!["message"]!.GetValue<string>());
        Assert.Contains("\"message\":\"poison\"", deadLetter.Source["event"]!["original"]!.GetValue<string>());
        Assert.Empty(await RabbitMqServer.DrainAsync(indexer.RabbitMq, "es-indexer_error"));
        // Refused once, never retried: 21 occurrences and one dead letter reached the server, nothing more.
        Assert.Equal(22, elasticsearch.CreateActions);
    }

    [Fact]
    public async Task A_one_megabyte_event_and_a_ten_thousand_label_event_are_indexed_and_one_above_the_cap_is_dead_lettered()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString(), new() { ["EsIndexer:MaxBulkBytes"] = "2000000" });
        var huge = EsSamples.Seed() with { Message = new string('x', 1024 * 1024) };
        var labelled = EsSamples.Seed() with { Labels = Enumerable.Range(0, 10_000).ToDictionary(i => $"label-{i}.example.com/key", i => $"value-{i}") };
        var tooBig = EsSamples.Seed() with { Message = new string('y', 3 * 1024 * 1024) };
        var after = Enumerable.Range(0, 10).Select(_ => EsSamples.Seed()).ToList();

        await indexer.PublishAsync([huge, labelled, tooBig, .. after]);

        await Eventually.HoldsAsync(() => elasticsearch.DocumentsIn("kube-events-prod-hz").Count == 12 && elasticsearch.DocumentsIn("kube-events-deadletter").Count == 1,
            TimeSpan.FromSeconds(60), "all indexed but the one above the cap, which is dead-lettered");
        Assert.Contains(elasticsearch.Documents, d => d.Id == OccurrenceKey.For(huge));
        Assert.Equal(10_000, elasticsearch.Documents.Single(d => d.Id == OccurrenceKey.For(labelled)).Source["kubernetes"]!["event"]!["metadata"]!["labels"]!.AsObject().Count);
        var deadLetter = Assert.Single(elasticsearch.DocumentsIn("kube-events-deadletter"));
        Assert.Equal("document_too_large", deadLetter.Source["error"]!["type"]!.GetValue<string>());
        Assert.All(elasticsearch.BulkRequests, r => Assert.True(r.Bytes <= 2_000_000, $"a bulk of {r.Bytes} bytes"));
        Assert.All(elasticsearch.BulkRequests, r => Assert.True(r.Gzipped));
        Assert.Empty(await RabbitMqServer.DrainAsync(indexer.RabbitMq, "es-indexer_error"));
    }
}
