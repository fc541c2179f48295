using Eventer.Contracts;

namespace Eventer.Contracts.Tests;

[Trait("Category", "Unit")]
public sealed class OccurrenceKeyTests
{
    [Theory]
    [InlineData(7, 2416, 7)]       // series wins over count
    [InlineData(null, 2416, 2416)] // legacy recorder: count
    [InlineData(null, null, 1)]    // neither: the first occurrence
    [InlineData(null, 0, 1)]       // events.k8s.io/v1 writes deprecatedCount: 0 for "not set"
    [InlineData(0, 3, 3)]
    public void Occurrence_is_series_count_else_count_else_one(int? seriesCount, int? count, int expected) =>
        Assert.Equal(expected, OccurrenceKey.OccurrenceOf(seriesCount, count));

    [Fact]
    public void Key_is_cluster_uid_and_occurrence()
    {
        var message = new KubeEventObserved { Cluster = "prod-hz", EventUid = "b3a56707-4f24-11ea-81ec-00163e0a865a", Occurrence = 2416 };

        Assert.Equal("prod-hz/b3a56707-4f24-11ea-81ec-00163e0a865a/2416", OccurrenceKey.For(message));
    }

    [Theory]
    [InlineData("", "uid", 1)]
    [InlineData("c", "", 1)]
    [InlineData("c", "uid", 0)]
    public void Key_refuses_missing_parts(string cluster, string uid, int occurrence) =>
        Assert.ThrowsAny<ArgumentException>(() => OccurrenceKey.For(cluster, uid, occurrence));

    [Fact]
    public void Uuid5_matches_the_rfc_test_vector()
    {
        // RFC 9562 / Python uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com")
        var dns = Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        Assert.Equal(Guid.Parse("2ed6657d-e927-568b-95e1-2665a8aea6a2"), OccurrenceKey.Uuid5(dns, "www.example.com"));
    }

    [Fact]
    public void Message_id_is_pinned_for_a_known_key()
    {
        // Changing the namespace or the key format would re-identify every message ever sent.
        Assert.Equal(Guid.Parse(ExpectedSeedId), OccurrenceKey.MessageIdFor("prod-hz/b3a56707-4f24-11ea-81ec-00163e0a865a/2416"));
    }

    [Fact]
    public void Message_id_is_deterministic_and_differs_per_occurrence()
    {
        var first = new KubeEventObserved { Cluster = "c", EventUid = "u", Occurrence = 1 };
        var again = first with { Message = "other text, same occurrence", ObservedAt = DateTimeOffset.UnixEpoch };
        var second = first with { Occurrence = 2 };
        var otherCluster = first with { Cluster = "d" };

        Assert.Equal(OccurrenceKey.MessageIdFor(first), OccurrenceKey.MessageIdFor(again));
        Assert.NotEqual(OccurrenceKey.MessageIdFor(first), OccurrenceKey.MessageIdFor(second));
        Assert.NotEqual(OccurrenceKey.MessageIdFor(first), OccurrenceKey.MessageIdFor(otherCluster));
        Assert.Equal(5, OccurrenceKey.MessageIdFor(first).Version);
    }

    // Computed independently: Python's uuid.uuid5(UUID("3f6c2a8e-…-7d2e8b4a6c15"), key).
    private const string ExpectedSeedId = "ce4a6e8a-1289-5297-883a-7a8fbbfa2f6c";
}
