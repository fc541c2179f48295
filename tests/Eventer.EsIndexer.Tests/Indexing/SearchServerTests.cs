using Eventer.EsIndexer.Indexing;

namespace Eventer.EsIndexer.Tests.Indexing;

[Trait("Category", "Unit")]
public sealed class SearchServerTests
{
    private const string ElasticTagline = "You Know, for Search";
    private const string OpenSearchTagline = "The OpenSearch Project: https://opensearch.org/";

    [Theory]
    [InlineData("7.17.25", null, ElasticTagline, SearchDistribution.Elasticsearch, "7.17.25", "flattened")]
    [InlineData("8.15.3", null, ElasticTagline, SearchDistribution.Elasticsearch, "8.15.3", "flattened")]
    [InlineData("9.1.0", null, ElasticTagline, SearchDistribution.Elasticsearch, "9.1.0", "flattened")]
    [InlineData("2.17.1", "opensearch", OpenSearchTagline, SearchDistribution.OpenSearch, "2.17.1", "flat_object")]
    [InlineData("2.5.0", "opensearch", OpenSearchTagline, SearchDistribution.OpenSearch, "2.5.0", "object")]
    // OpenSearch's compatibility mode reports 7.10.2 and drops the distribution; the tagline still tells.
    [InlineData("7.10.2", null, OpenSearchTagline, SearchDistribution.OpenSearch, "2.0", "object")]
    public void Tells_the_distribution_and_what_its_mapping_may_use(string number, string? distribution, string tagline,
        SearchDistribution expected, string version, string keyValueType)
    {
        var server = SearchServer.Parse(Root(number, distribution, tagline));

        Assert.Equal((expected, Version.Parse(version)), (server.Distribution, server.Version));
        Assert.Equal(keyValueType, server.KeyValueMapType);
    }

    [Theory]
    [InlineData("6.8.23", null, ElasticTagline, "Elasticsearch 6.8.23 is not supported")]
    [InlineData("1.3.19", "opensearch", OpenSearchTagline, "OpenSearch 1.3.19 is not supported")]
    public void Refuses_versions_without_composable_templates_and_data_streams(string number, string? distribution, string tagline, string message)
    {
        var error = Assert.Throws<NotSupportedException>(() => SearchServer.Parse(Root(number, distribution, tagline)));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Refuses_an_answer_that_is_not_a_search_server()
    {
        Assert.Throws<NotSupportedException>(() => SearchServer.Parse("""{"status":"ok"}"""));
    }

    private static string Root(string number, string? distribution, string tagline) =>
        $$"""{"name":"node-1","cluster_name":"c","version":{"number":"{{number}}"{{(distribution is null ? "" : $",\"distribution\":\"{distribution}\"")}}},"tagline":"{{tagline}}"}""";
}
