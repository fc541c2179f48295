using System.Diagnostics.Metrics;
using Eventer.Testing.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;

namespace Eventer.Collector.Tests.Watching;

[Trait("Category", "Integration")]
public sealed class DowntimeTests
{
    [Fact]
    public async Task A_collector_away_longer_than_the_event_ttl_reports_a_possible_gap_and_a_short_pause_does_not()
    {
        await using var rig = await CollectorRig.CreateAsync();
        var first = await rig.StartCollectorAsync();
        rig.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off"));
        await rig.SettleAsync();
        await first.StopAsync();

        MetricCollector<long> shortGaps = null!;
        var shortPause = await rig.StartCollectorAsync(beforeStart: app => shortGaps = Gaps(app));
        await rig.SettleAsync();
        await shortPause.StopAsync();

        await SetLastWatchedAsync(rig, DateTimeOffset.UtcNow.AddHours(-2));
        MetricCollector<long> longGaps = null!;
        await rig.StartCollectorAsync(beforeStart: app => longGaps = Gaps(app));
        await rig.SettleAsync();

        Assert.Empty(shortGaps.GetMeasurementSnapshot());
        var gap = Assert.Single(longGaps.GetMeasurementSnapshot());
        Assert.Equal("downtime", gap.Tags["cause"]);
    }

    // Created before the host starts, so the check made at start is seen.
    private static MetricCollector<long> Gaps(Microsoft.AspNetCore.Builder.WebApplication app) =>
        new(app.Services.GetRequiredService<IMeterFactory>(), CollectorMetrics.Name, "eventer.collector.possible_gaps");

    private static async Task SetLastWatchedAsync(CollectorRig rig, DateTimeOffset at)
    {
        await using var connection = new NpgsqlConnection(rig.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE collector.watch_state SET last_watching_at = @at WHERE cluster = 'rig'", connection);
        command.Parameters.AddWithValue("at", at);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
