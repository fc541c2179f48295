using System.Text;
using Eventer.EsIndexer.Indexing;

namespace Eventer.EsIndexer.Tests.Indexing;

[Trait("Category", "Unit")]
public sealed class BulkResponseTests
{
    [Fact]
    public void Reads_each_items_answer_in_request_order_and_classifies_it()
    {
        var body = """
            {"errors":true,"items":[
              {"create":{"status":201}},
              {"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[x]: version conflict, document already exists (current version [1])"}}},
              {"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},
              {"create":{"status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}},
              {"create":{"status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [kubernetes.event.count] of type [long]"}}},
              {"create":{"status":403,"error":{"type":"security_exception","reason":"action [indices:data/write/bulk[s]] is unauthorized"}}},
              {"create":{"status":404,"error":{"type":"index_not_found_exception","reason":"no such index [kube-events-x]"}}},
              {"create":{"status":429,"error":{"type":"cluster_block_exception","reason":"index [x] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block]"}}},
              {"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse"}}}
            ]}
            """;

        var results = BulkResponse.Parse(Encoding.UTF8.GetBytes(body), 9);

        Assert.Equal(
            [ItemOutcome.Indexed, ItemOutcome.AlreadyPresent, ItemOutcome.Retry, ItemOutcome.Retry, ItemOutcome.Rejected,
             ItemOutcome.ClusterRefused, ItemOutcome.ClusterRefused, ItemOutcome.ClusterRefused, ItemOutcome.Rejected],
            results.Select(r => r.Outcome));
        Assert.Equal("document_parsing_exception", results[4].ErrorType);
        Assert.StartsWith("failed to parse field [kubernetes.event.count]", results[4].ErrorReason);
    }

    [Fact]
    public void An_answer_without_one_result_per_item_is_unusable_not_a_success()
    {
        // With filter_path=items.*.error alone, Elasticsearch prunes successful items: positions no longer line up.
        var body = """{"errors":true,"items":[{"create":{"status":400,"error":{"type":"mapper_parsing_exception"}}}]}""";

        Assert.Throws<ElasticsearchUnavailableException>(() => BulkResponse.Parse(Encoding.UTF8.GetBytes(body), 3));
        Assert.Contains("items.*.status", BulkResponse.Path);
    }
}
