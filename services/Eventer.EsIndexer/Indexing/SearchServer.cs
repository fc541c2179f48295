using System.Text.Json;

namespace Eventer.EsIndexer.Indexing;

/// <summary>Elasticsearch or OpenSearch.</summary>
public enum SearchDistribution
{
    Elasticsearch,
    OpenSearch,
}

/// <summary>The server behind <c>GET /</c>, and what eventer's mapping may use on it.</summary>
public sealed record SearchServer(SearchDistribution Distribution, Version Version)
{
    /// <summary>
    /// The field type for a map with arbitrary keys: <c>flattened</c> on Elasticsearch,
    /// <c>flat_object</c> on OpenSearch 2.7+, else an unindexed object (kept in <c>_source</c> only).
    /// Either way 10,000 distinct label keys add no fields to the mapping.
    /// </summary>
    public string KeyValueMapType => Distribution switch
    {
        SearchDistribution.Elasticsearch => "flattened",
        _ when Version >= new Version(2, 7) => "flat_object",
        _ => "object",
    };

    public override string ToString() => $"{(Distribution == SearchDistribution.OpenSearch ? "OpenSearch" : "Elasticsearch")} {Version}";

    /// <summary>
    /// Reads <c>GET /</c>. OpenSearch says so in <c>version.distribution</c> or, in its 7.10.2
    /// compatibility mode (which drops the distribution), in its tagline.
    /// </summary>
    public static SearchServer Parse(string rootResponse)
    {
        using var json = JsonDocument.Parse(rootResponse);
        var root = json.RootElement;
        if (!root.TryGetProperty("version", out var version) || !version.TryGetProperty("number", out var number)
            || !Version.TryParse(number.GetString()?.Split('-', '+')[0], out var parsed))
        {
            throw new NotSupportedException("GET / did not answer a version.number: this is not Elasticsearch or OpenSearch");
        }

        var openSearch = (version.TryGetProperty("distribution", out var distribution) && distribution.GetString() == "opensearch")
            || (root.TryGetProperty("tagline", out var tagline) && tagline.GetString()?.Contains("OpenSearch", StringComparison.OrdinalIgnoreCase) == true);
        // OpenSearch in compatibility mode hides its version behind 7.10.2: assume the oldest 2.x.
        var server = openSearch
            ? new SearchServer(SearchDistribution.OpenSearch, parsed.Major == 7 ? new Version(2, 0) : parsed)
            : new SearchServer(SearchDistribution.Elasticsearch, parsed);
        if (!server.IsSupported)
        {
            throw new NotSupportedException($"{server} is not supported: eventer needs Elasticsearch 7.10 or later, or OpenSearch 2");
        }

        return server;
    }

    /// <summary>Composable index templates and data streams are the floor: Elasticsearch 7.10+ (7.17 tested), OpenSearch 2.</summary>
    private bool IsSupported => Distribution == SearchDistribution.OpenSearch ? Version.Major >= 2 : Version >= new Version(7, 10);
}
