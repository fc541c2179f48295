using Eventer.ServiceDefaults;
using Eventer.Testing;
using Eventer.Testing.Fixtures;

namespace Eventer.EsIndexer.Tests;

/// <summary>A bad setting stops the es-indexer at start with one line naming the key, never a secret.</summary>
[Trait("Category", "Integration")]
public sealed class EsIndexerStartupTests
{
    [Theory]
    [InlineData("ConnectionStrings:elasticsearch", "", "ConnectionStrings:elasticsearch: is required")]
    [InlineData("ConnectionStrings:elasticsearch", "elastic:hunter2@es:9200", "ConnectionStrings:elasticsearch: node 1 is not an http:// or https:// URL")]
    [InlineData("EsIndexer:ApiKey", "hunter2", "EsIndexer:ApiKey: give either an API key or a user name, not both")]
    [InlineData("EsIndexer:CertificateFingerprint", "hunter2", "EsIndexer:CertificateFingerprint: must be a SHA-256 fingerprint")]
    [InlineData("EsIndexer:CaCertificate", "/nonexistent/ca.crt", "EsIndexer:CaCertificate: names a file that does not exist")]
    [InlineData("EsIndexer:IndexPrefix", "Kube Events", "EsIndexer:IndexPrefix: must be 1-100 lowercase letters")]
    [InlineData("EsIndexer:MaxBulkBytes", "1000", "EsIndexer:MaxBulkBytes: The field MaxBulkBytes must be between 65536 and 104857600")]
    public async Task A_bad_setting_stops_the_indexer_with_one_line(string key, string value, string expected)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("es");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:elasticsearch"] = "http://127.0.0.1:1",
            ["EsIndexer:Username"] = key == "EsIndexer:ApiKey" ? "eventer" : null,
            [key] = value,
        };
        var error = new StringWriter();

        var exitCode = await EventerHost.RunAsync(EsIndexerHost.ServiceName, () => EsIndexerHost.Build([], b => b.UseTestSettings(settings)), error);

        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.StartsWith($"es-indexer: cannot start: {expected}", line);
        Assert.DoesNotContain("hunter2", line);
    }
}
