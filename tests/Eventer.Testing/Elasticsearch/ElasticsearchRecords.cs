using System.Text.Json.Nodes;

namespace Eventer.Testing.Elasticsearch;

/// <summary>The server product and major line <see cref="FakeElasticsearch"/> emulates.</summary>
public enum SearchEngine
{
    /// <summary>Elasticsearch 7.17 (default version "7.17.25").</summary>
    Elasticsearch7,

    /// <summary>Elasticsearch 8.x (default version "8.15.3").</summary>
    Elasticsearch8,

    /// <summary>Elasticsearch 9.x (default version "9.1.0").</summary>
    Elasticsearch9,

    /// <summary>OpenSearch 2.x (default version "2.17.1").</summary>
    OpenSearch2,
}

/// <summary>A document the fake stored.</summary>
/// <param name="Index">The data stream's name for a document in a data stream (not its backing index), else the index name.</param>
/// <param name="Id">The document's _id (given, or generated for a create/index without one).</param>
/// <param name="Source">The _source as received.</param>
/// <param name="StoredAt">When the fake stored it (the bench's latency to Elasticsearch).</param>
public sealed record StoredDocument(string Index, string Id, JsonObject Source, DateTimeOffset StoredAt = default);

/// <summary>One request to <c>_bulk</c> as it arrived. Never holds credentials.</summary>
/// <param name="Gzipped">The body came with <c>Content-Encoding: gzip</c>.</param>
/// <param name="CompressedBytes">The body's length on the wire (equal to <paramref name="Bytes"/> when not gzipped).</param>
/// <param name="Bytes">The decompressed body's length: what <c>http.max_content_length</c> is checked against.</param>
/// <param name="Actions">Action lines in the body (0 when the request was refused before it was parsed).</param>
/// <param name="Authenticated">The request carried credentials the fake accepted (always true when none are configured).</param>
/// <param name="Status">The HTTP status the whole request was answered with (200 with per-item errors is still 200).</param>
/// <param name="ContentType">The Content-Type header as sent, or null.</param>
/// <param name="PathAndQuery">The request's path and query, e.g. <c>/_bulk?filter_path=…</c>.</param>
public sealed record BulkRequestRecord(
    bool Gzipped,
    long CompressedBytes,
    long Bytes,
    int Actions,
    bool Authenticated,
    int Status,
    string? ContentType,
    string PathAndQuery);

/// <summary>A bulk action as the per-item fault rules see it.</summary>
/// <param name="Op">"create", "index" or "delete".</param>
/// <param name="Index">The target as named in the request (a data stream or index name).</param>
/// <param name="Id">The _id, or null when the action has none (an id is then generated).</param>
/// <param name="Source">The document, or null for delete or a source line that is not a JSON object.</param>
public sealed record BulkItem(string Op, string Index, string? Id, JsonObject? Source);

/// <summary>A per-item error to answer instead of handling the item: nothing is stored.</summary>
/// <param name="Status">The item's status, e.g. 429, 400, 409, 503.</param>
/// <param name="Type">The error type, e.g. <c>es_rejected_execution_exception</c>.</param>
/// <param name="Reason">The error reason.</param>
public sealed record ItemFault(int Status, string Type, string Reason);
