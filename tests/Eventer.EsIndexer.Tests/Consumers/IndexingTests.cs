using System.Text.Json.Nodes;
using Eventer.Contracts;
using Eventer.EsIndexer.Indexing;
using Eventer.Testing;
using Eventer.Testing.Elasticsearch;
using Eventer.Testing.Fixtures;

namespace Eventer.EsIndexer.Tests.Consumers;

/// <summary>Each supported server, end to end over real RabbitMQ: N occurrences, redelivered, become N documents.</summary>
[Trait("Category", "Integration")]
public sealed class IndexingTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(SearchEngine.Elasticsearch7)]
    [InlineData(SearchEngine.Elasticsearch8)]
    [InlineData(SearchEngine.Elasticsearch9)]
    [InlineData(SearchEngine.OpenSearch2)]
    public async Task Every_occurrence_becomes_one_document_however_often_it_is_delivered(SearchEngine engine)
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(engine);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString());
        var messages = Enumerable.Range(0, 150).Select(i => EsSamples.Seed(occurrence: i + 1) with { EventUid = $"uid-{i % 50}" }).ToList();

        // Every message again once the first copies are in, and a third of them a third time: resends
        // after success. (Copies within one batch never reach the consumer: MassTransit's batch
        // collects by MessageId.)
        await indexer.PublishAsync(messages);
        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count >= messages.Count, Slow, "the first copies indexed");
        await indexer.PublishAsync(messages);
        await Eventually.HoldsAsync(() => elasticsearch.CreateActions >= 300, Slow, "the second copies to reach Elasticsearch");
        await indexer.PublishAsync(messages.Take(50));
        await Eventually.HoldsAsync(() => elasticsearch.CreateActions >= 350, Slow, "every copy to reach Elasticsearch");

        // Counted before the _id deduplicates: every copy reached the server as a create.
        Assert.Equal(350, elasticsearch.CreateActions);
        var documents = elasticsearch.DocumentsIn("kube-events-prod-hz");
        Assert.Equal(messages.Select(OccurrenceKey.For).Order(), documents.Select(d => d.Id).Order());
        Assert.Equal(150, await indexer.SettledCountAsync(indexer.Indexed, 150));
        Assert.Equal(200, await indexer.SettledCountAsync(indexer.AlreadyPresent, 200));
        Assert.Empty(await RabbitMqServer.DrainAsync(indexer.RabbitMq, "es-indexer_error"));

        var readiness = await indexer.App.ReadinessAsync("elasticsearch");
        Assert.Equal((200, "Healthy"), (readiness.HttpStatus, readiness.CheckStatus));
        Assert.StartsWith(engine == SearchEngine.OpenSearch2 ? "OpenSearch 2." : $"Elasticsearch {elasticsearch.VersionNumber}", readiness.Description);
    }

    [Theory]
    [InlineData(SearchEngine.Elasticsearch7)]
    [InlineData(SearchEngine.Elasticsearch8)]
    [InlineData(SearchEngine.Elasticsearch9)]
    [InlineData(SearchEngine.OpenSearch2)]
    public async Task The_installed_template_is_the_readme_table_and_documents_hold_its_fields(SearchEngine engine)
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(engine);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString());
        var message = EsSamples.KubeletBackOff();

        await indexer.PublishAsync([message]);
        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count == 1, Slow, "the document indexed");

        var template = elasticsearch.IndexTemplates["kube-events"];
        Assert.Equal(["kube-events-*"], template["index_patterns"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.NotNull(template["data_stream"]);
        var mappings = template["template"]!["mappings"]!.AsObject();
        Assert.Equal(MappingTable.FromReadme().Order(), MappingTable.Leaves(mappings).Order());

        var document = Assert.Single(elasticsearch.DocumentsIn("kube-events-prod-hz"));
        Assert.Equal(OccurrenceKey.For(message), document.Id);
        Assert.Equal(EventDocument.Build(message).ToJsonString(), document.Source.ToJsonString());
        Assert.Equal("api-0", document.Source["kubernetes"]!["pod"]!["name"]!.GetValue<string>());
        Assert.Equal("prod-hz", document.Source["orchestrator"]!["cluster"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Daily_indices_are_chosen_by_when_the_event_happened_and_retention_is_installed()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString(), new()
        {
            ["EsIndexer:IndexMode"] = "Daily",
            ["EsIndexer:RetentionDays"] = "14",
        });
        var late = EsSamples.KubeletBackOff(); // 2026-11-28T23:59:59.250Z
        var early = EsSamples.Seed();          // 2020-02-19

        await indexer.PublishAsync([late, early]);
        await Eventually.HoldsAsync(() => elasticsearch.Documents.Count == 2, Slow, "both indexed");
        await indexer.PublishAsync([late]);
        await Eventually.HoldsAsync(() => elasticsearch.CreateActions == 3, Slow, "the copy sent");

        Assert.Equal(OccurrenceKey.For(late), Assert.Single(elasticsearch.DocumentsIn("kube-events-2026.11.28")).Id);
        Assert.Equal(OccurrenceKey.For(early), Assert.Single(elasticsearch.DocumentsIn("kube-events-2020.02.19")).Id);
        Assert.Null(elasticsearch.IndexTemplates["kube-events"]["data_stream"]);
        Assert.Equal("kube-events-retention", elasticsearch.IndexTemplates["kube-events"]["template"]!["settings"]!["index.lifecycle.name"]!.GetValue<string>());
        var policy = elasticsearch.LifecyclePolicies["kube-events-retention"];
        Assert.Equal("14d", policy["policy"]!["phases"]!["delete"]!["min_age"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenSearch_gets_an_ism_policy_that_attaches_itself_to_the_indices()
    {
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.OpenSearch2);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString(), new() { ["EsIndexer:RetentionDays"] = "30" });

        var policy = elasticsearch.LifecyclePolicies["kube-events-retention"]["policy"]!;
        Assert.Contains("kube-events-*", policy["ism_template"]!["index_patterns"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal("30d", policy["states"]![0]!["transitions"]![0]!["conditions"]!["min_index_age"]!.GetValue<string>());
        Assert.Null(elasticsearch.IndexTemplates["kube-events"]["template"]!["settings"]!["index.lifecycle.name"]);
    }
}
