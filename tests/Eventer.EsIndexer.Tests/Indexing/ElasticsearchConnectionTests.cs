using Eventer.EsIndexer.Indexing;
using Eventer.ServiceDefaults;

namespace Eventer.EsIndexer.Tests.Indexing;

[Trait("Category", "Unit")]
public sealed class ElasticsearchConnectionTests
{
    [Fact]
    public void Credentials_in_the_url_become_basic_auth_and_leave_every_node_address()
    {
        var connection = ElasticsearchConnection.Parse(" https://elastic:s%40cret@es1:9200 , https://elastic:s%40cret@es2:9201/ ");

        Assert.Equal(["https://es1:9200/", "https://es2:9201/"], connection.Nodes.Select(n => n.ToString()));
        Assert.Equal(("elastic", "s@cret"), (connection.Username, connection.Password));
        Assert.DoesNotContain("cret", connection.ToString());
        Assert.All(connection.Nodes, n => Assert.Empty(n.UserInfo));
    }

    [Fact]
    public void A_single_node_without_credentials_is_fine()
    {
        var connection = ElasticsearchConnection.Parse("http://127.0.0.1:9200");

        Assert.Equal("http://127.0.0.1:9200/", Assert.Single(connection.Nodes).ToString());
        Assert.Null(connection.Username);
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData(" ", "is required")]
    [InlineData("es1:9200", "node 1 is not an http:// or https:// URL")]
    [InlineData("http://elastic:hunter2@es1:9200,ftp://es2", "node 2 is not an http:// or https:// URL")]
    [InlineData("http://es1:9200,https://es2:9200", "mixes http and https")]
    [InlineData("http://a:hunter2@es1:9200,http://b:hunter2@es2:9200", "different credentials")]
    public void A_bad_value_names_the_key_and_never_the_password(string? value, string problem)
    {
        var error = Assert.Throws<EventerConfigurationException>(() => ElasticsearchConnection.Parse(value));

        Assert.StartsWith("ConnectionStrings:elasticsearch: ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }
}
