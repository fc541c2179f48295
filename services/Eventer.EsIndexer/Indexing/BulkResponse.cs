using System.Text.Json;

namespace Eventer.EsIndexer.Indexing;

/// <summary>What became of one bulk item.</summary>
public enum ItemOutcome
{
    /// <summary>201: indexed now.</summary>
    Indexed,

    /// <summary>409 on <c>create</c>: an earlier delivery indexed it.</summary>
    AlreadyPresent,

    /// <summary>429 or 5xx: Elasticsearch is busy; this item, and only it, is sent again.</summary>
    Retry,

    /// <summary>
    /// The cluster, not the document, is wrong: a missing privilege (403), an index that may not be
    /// created (404), a read-only block. The batch waits in RabbitMQ until that is fixed.
    /// </summary>
    ClusterRefused,

    /// <summary>Any other 4xx: this document can never be indexed as it is (a mapping error); it is dead-lettered.</summary>
    Rejected,
}

/// <summary>One item's answer, in request order.</summary>
public sealed record ItemResult(int Status, string? ErrorType, string? ErrorReason)
{
    public ItemOutcome Outcome => Status switch
    {
        >= 200 and < 300 => ItemOutcome.Indexed,
        409 when ErrorType is null or "version_conflict_engine_exception" => ItemOutcome.AlreadyPresent,
        _ when ErrorType == "cluster_block_exception" => ItemOutcome.ClusterRefused,
        429 or >= 500 => ItemOutcome.Retry,
        401 or 403 or 404 => ItemOutcome.ClusterRefused,
        _ => ItemOutcome.Rejected,
    };
}

/// <summary>Reads a <c>_bulk</c> answer.</summary>
public static class BulkResponse
{
    /// <summary>
    /// <c>filter_path</c> must keep <c>items.*.status</c>: it prunes empty objects, and with only the
    /// errors kept, successful items would vanish and positions no longer line up with the request.
    /// </summary>
    public const string Path = "/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason";

    /// <summary>The items' results in request order; anything else than one result per item is an unusable answer.</summary>
    public static IReadOnlyList<ItemResult> Parse(byte[] body, int expectedItems)
    {
        using var json = JsonDocument.Parse(body);
        if (!json.RootElement.TryGetProperty("items", out var items) || items.GetArrayLength() != expectedItems)
        {
            throw new ElasticsearchUnavailableException($"Elasticsearch answered a bulk of {expectedItems} items without one result per item");
        }

        var results = new List<ItemResult>(expectedItems);
        foreach (var item in items.EnumerateArray())
        {
            var result = item.EnumerateObject().First().Value;
            var error = result.TryGetProperty("error", out var e) ? e : default;
            results.Add(new ItemResult(
                result.GetProperty("status").GetInt32(),
                error.ValueKind == JsonValueKind.Object && error.TryGetProperty("type", out var type) ? type.GetString() : null,
                error.ValueKind == JsonValueKind.Object && error.TryGetProperty("reason", out var reason) ? reason.GetString() : null));
        }

        return results;
    }
}
