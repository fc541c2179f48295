using Eventer.Testing;
using Eventer.Testing.Kubernetes;

namespace Eventer.Collector.Tests;

/// <summary>
/// Runs alone: the OpenTelemetry exporter aggregates every same-named meter in the process, so
/// collectors of tests running alongside would add to the counters read here.
/// </summary>
[Trait("Category", "Integration")]
[Collection(nameof(AloneCollection))]
public sealed class CollectorOperabilityTests
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task Metrics_and_readiness_describe_the_pipeline()
    {
        await using var rig = await CollectorRig.CreateAsync();
        var collector = await rig.StartCollectorAsync();
        var uid = KubeEvents.Uid(rig.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));
        rig.Api.Modify(uid, e => e["metadata"]!["annotations"] = new System.Text.Json.Nodes.JsonObject { ["touched"] = "yes" });
        await rig.Probe.WaitForAsync(uid);

        var metrics = "";
        await Eventually.HoldsAsync(async () =>
            Sample(metrics = await Http.GetStringAsync(new Uri(collector.Address(), "/metrics")), "eventer_collector_occurrences_published_total") == "1",
            TimeSpan.FromSeconds(30), "the published counter on /metrics");
        var ready = await Http.GetStringAsync(new Uri(collector.Address(), "/health/ready"));

        Assert.Equal("2", Sample(metrics, "eventer_collector_occurrences_observed_total"));
        Assert.Equal("1", Sample(metrics, "eventer_collector_occurrences_deduplicated_total", "stage=\"memory\""));
        Assert.Equal("1", Sample(metrics, "eventer_collector_occurrences_stored_total"));
        Assert.NotNull(Sample(metrics, "eventer_collector_outbox_depth"));
        Assert.NotNull(Sample(metrics, "eventer_collector_outbox_oldest_unsent_age_seconds"));
        Assert.Equal("1", Sample(metrics, "eventer_collector_leader"));
        Assert.Null(Sample(metrics, "eventer_collector_publish_returned_total")); // nothing returned, so never recorded
        Assert.DoesNotContain(uid, metrics);
        using var health = System.Text.Json.JsonDocument.Parse(ready);
        var checks = health.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("collector").GetProperty("status").GetString());
        Assert.Equal("outbox, relay, watch (all namespaces)", checks.GetProperty("collector").GetProperty("description").GetString());
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("0", Sample(metrics, "eventer_collector_outbox_unroutable"));
    }

    /// <summary>The value of a Prometheus sample <paramref name="name"/>{…<paramref name="label"/>…}, or null.</summary>
    private static string? Sample(string metrics, string name, string label = "") =>
        metrics.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Select(line => line[(line.LastIndexOf(' ') + 1)..].Trim())
            .FirstOrDefault();
}

[CollectionDefinition(nameof(AloneCollection), DisableParallelization = true)]
public sealed class AloneCollection;
