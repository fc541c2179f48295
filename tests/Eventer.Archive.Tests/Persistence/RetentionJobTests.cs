using System.Diagnostics.Metrics;
using Eventer.Archive.Persistence;
using Eventer.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;

namespace Eventer.Archive.Tests.Persistence;

[Trait("Category", "Integration")]
public sealed class RetentionJobTests
{
    [Fact]
    public async Task Retention_removes_exactly_the_occurrences_older_than_the_max_age()
    {
        await using var archive = await ArchiveTestHost.StartAsync(new()
        {
            ["Archive:Retention:MaxAge"] = "01:00:00",
            ["Archive:Retention:Interval"] = "00:00:00.200",
            ["Archive:Retention:BatchSize"] = "3",
        });
        using var deleted = new MetricCollector<long>(archive.App.Services.GetRequiredService<IMeterFactory>(), ArchiveMetrics.Name, "eventer.archive.retention.deleted");
        var now = DateTimeOffset.UtcNow;
        var expired = Enumerable.Range(0, 7).Select(i => ArchiveSamples.Seed() with { Series = null, LastTimestamp = now.AddHours(-2).AddMinutes(-i) }).ToList();
        var kept = Enumerable.Range(0, 5).Select(i => ArchiveSamples.Seed() with { Series = null, LastTimestamp = now.AddMinutes(-50 + i) }).ToList();
        await using (var scope = archive.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<OccurrenceStore>().StoreBatchAsync([.. expired, .. kept], CancellationToken.None);
        }

        await Eventually.HoldsAsync(async () => await archive.CountRowsAsync() == 5, TimeSpan.FromSeconds(30), "the expired occurrences deleted");

        Assert.Equal(kept.Select(k => k.EventUid).Order(), (await UidsAsync(archive)).Order());
        Assert.Equal(7, deleted.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    private static async Task<List<string>> UidsAsync(ArchiveTestHost archive)
    {
        await using var connection = new NpgsqlConnection(archive.Postgres);
        await connection.OpenAsync();
        await using var reader = await new NpgsqlCommand("SELECT event_uid FROM archive.occurrences", connection).ExecuteReaderAsync();
        var uids = new List<string>();
        while (await reader.ReadAsync())
        {
            uids.Add(reader.GetString(0));
        }

        return uids;
    }
}
