using Eventer.Testing;
using Eventer.Testing.Elasticsearch;

namespace Eventer.EsIndexer.Tests.Consumers;

/// <summary>A self-signed cluster: trusted by its CA file or its fingerprint, or (opted in) not checked; anything else refused.</summary>
[Trait("Category", "Integration")]
public sealed class TlsTests : IDisposable
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);
    private readonly TestCertificates _cluster = TestCertificates.Create("cluster-ca");
    private readonly TestCertificates _rogue = TestCertificates.Create("rogue-ca");

    [Fact]
    public async Task The_clusters_ca_file_is_trusted_and_a_certificate_from_another_ca_is_not()
    {
        var caFile = _cluster.WriteAuthorityPem();
        await using var cluster = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8, new FakeElasticsearchOptions { Certificate = _cluster.Server });
        await using var rogue = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8, new FakeElasticsearchOptions { Certificate = _rogue.Server });

        await using var trusting = await EsIndexerTestHost.StartAsync(Https(cluster), new() { ["EsIndexer:CaCertificate"] = caFile });
        await using var refusing = await EsIndexerTestHost.StartAsync(Https(rogue), new() { ["EsIndexer:CaCertificate"] = caFile }, waitUntilReady: false);

        await trusting.PublishAsync([EsSamples.Seed()]);
        await Eventually.HoldsAsync(() => cluster.Documents.Count == 1, Slow, "indexed over TLS with the cluster's CA");
        await Eventually.HoldsAsync(async () => (await refusing.App.ReadinessAsync("elasticsearch")).Description.StartsWith("Elasticsearch is unreachable", StringComparison.Ordinal),
            Slow, "the rogue certificate refused");
        Assert.Empty(rogue.IndexTemplates);
        File.Delete(caFile);
    }

    [Fact]
    public async Task The_servers_fingerprint_is_trusted()
    {
        await using var cluster = await FakeElasticsearch.StartAsync(SearchEngine.OpenSearch2, new FakeElasticsearchOptions { Certificate = _cluster.Server });
        await using var indexer = await EsIndexerTestHost.StartAsync(Https(cluster), new() { ["EsIndexer:CertificateFingerprint"] = _cluster.ServerFingerprint });

        await indexer.PublishAsync([EsSamples.Seed()]);

        await Eventually.HoldsAsync(() => cluster.Documents.Count == 1, Slow, "indexed over TLS with the fingerprint");
    }

    [Fact]
    public async Task Without_trust_settings_a_self_signed_cluster_is_refused_unless_the_check_is_switched_off()
    {
        await using var cluster = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch9, new FakeElasticsearchOptions { Certificate = _cluster.Server });
        await using var refusing = await EsIndexerTestHost.StartAsync(Https(cluster), waitUntilReady: false);
        await Eventually.HoldsAsync(async () => (await refusing.App.ReadinessAsync("elasticsearch")).Description.StartsWith("Elasticsearch is unreachable", StringComparison.Ordinal),
            Slow, "the untrusted certificate refused");
        Assert.Empty(cluster.IndexTemplates);

        await using var insecure = await EsIndexerTestHost.StartAsync(Https(cluster), new() { ["EsIndexer:InsecureSkipCertificateCheck"] = "true" });
        await insecure.PublishAsync([EsSamples.Seed()]);
        await Eventually.HoldsAsync(() => cluster.Documents.Count == 1, Slow, "indexed with the check switched off");
    }

    public void Dispose()
    {
        _cluster.Dispose();
        _rogue.Dispose();
    }

    private static string Https(FakeElasticsearch fake) => $"https://127.0.0.1:{fake.Address.Port}";
}
