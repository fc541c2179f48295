using System.Text.Json;
using Eventer.Archive.Persistence;
using Eventer.Contracts;
using Eventer.Testing.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Eventer.Archive.Tests.Persistence;

[Trait("Category", "Integration")]
public sealed class OccurrenceStoreTests
{
    [Fact]
    public async Task Storing_the_same_occurrence_twice_leaves_one_row()
    {
        await using var db = await MigratedDatabaseAsync();
        var message = ArchiveSamples.Seed();

        Assert.True(await new OccurrenceStore(db, TimeProvider.System).StoreAsync(message, CancellationToken.None));
        Assert.False(await new OccurrenceStore(db, TimeProvider.System).StoreAsync(message with { ObservedAt = DateTimeOffset.UtcNow }, CancellationToken.None));

        Assert.Equal(1, await db.Occurrences.CountAsync());
    }

    [Fact]
    public async Task Each_occurrence_of_an_event_is_its_own_row()
    {
        await using var db = await MigratedDatabaseAsync();
        var first = ArchiveSamples.Seed() with { Occurrence = 1 };
        var store = new OccurrenceStore(db, TimeProvider.System);

        await store.StoreAsync(first, CancellationToken.None);
        await store.StoreAsync(first with { Occurrence = 2 }, CancellationToken.None);

        Assert.Equal([1, 2], await db.Occurrences.OrderBy(o => o.Occurrence).Select(o => o.Occurrence).ToListAsync());
    }

    [Fact]
    public async Task Every_field_survives_the_round_trip()
    {
        await using var db = await MigratedDatabaseAsync();
        var m = ArchiveSamples.Seed();
        await new OccurrenceStore(db, TimeProvider.System).StoreAsync(m, CancellationToken.None);
        db.ChangeTracker.Clear();

        var row = await db.Occurrences.SingleAsync();

        Assert.Equal(OccurrenceKey.For(m), row.OccurrenceKey);
        Assert.Equal(OccurrenceKey.MessageIdFor(m), row.MessageId);
        Assert.Equal((m.Cluster, m.EventUid, m.EventNamespace, m.EventName, m.EventResourceVersion, m.Occurrence),
            (row.Cluster, row.EventUid, row.EventNamespace, row.EventName, row.EventResourceVersion, row.Occurrence));
        Assert.Equal((m.Type, m.Reason, m.Message, m.Action), (row.Type, row.Reason, row.Message, row.Action));
        Assert.Equal(m.InvolvedObject, new KubeObjectReference
        {
            Kind = row.InvolvedKind,
            Namespace = row.InvolvedNamespace,
            Name = row.InvolvedName,
            Uid = row.InvolvedUid,
            ApiVersion = row.InvolvedApiVersion,
            FieldPath = row.InvolvedFieldPath,
            ResourceVersion = row.InvolvedResourceVersion,
        });
        Assert.Equal(m.Related, JsonSerializer.Deserialize<KubeObjectReference>(row.Related!));
        Assert.Equal((m.SourceComponent, m.SourceHost, m.ReportingController, m.ReportingInstance),
            (row.SourceComponent, row.SourceHost, row.ReportingController, row.ReportingInstance));
        Assert.Equal((m.FirstTimestamp, m.LastTimestamp, m.EventTime, m.Count), (row.FirstTimestamp, row.LastTimestamp, row.EventTime, row.Count));
        Assert.Equal((m.Series!.Count, m.Series.LastObservedTime), (row.SeriesCount!.Value, row.SeriesLastObservedTime));
        Assert.Equal(m.Labels, JsonSerializer.Deserialize<Dictionary<string, string>>(row.Labels));
        Assert.Equal(m.Annotations, JsonSerializer.Deserialize<Dictionary<string, string>>(row.Annotations));
        Assert.Equal((m.SourceApi, m.ObservedAt), (row.SourceApi, row.ObservedAt));
        Assert.Equal(TimeSpan.Zero, row.LastTimestamp!.Value.Offset);
    }

    private static async Task<ArchiveDbContext> MigratedDatabaseAsync()
    {
        var postgres = await PostgresServer.GetAsync();
        var connectionString = await postgres.CreateDatabaseAsync("archive");
        var db = new ArchiveDbContext(new DbContextOptionsBuilder<ArchiveDbContext>()
            .UseNpgsql(connectionString, o => o.MigrationsHistoryTable("__EFMigrationsHistory", ArchiveDbContext.Schema)).Options);
        await db.Database.MigrateAsync();
        return db;
    }
}
