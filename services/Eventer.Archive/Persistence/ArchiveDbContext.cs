using Microsoft.EntityFrameworkCore;

namespace Eventer.Archive.Persistence;

public sealed class ArchiveDbContext(DbContextOptions<ArchiveDbContext> options) : DbContext(options)
{
    /// <summary>The archive's tables live in their own schema, so it can share a database with the collector.</summary>
    public const string Schema = "archive";

    /// <summary>A view with the latest occurrence of every event (by cluster and uid), for dashboards and psql.</summary>
    public const string LatestEventsView = Schema + ".latest_events";

    public DbSet<StoredOccurrence> Occurrences => Set<StoredOccurrence>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        var occurrence = modelBuilder.Entity<StoredOccurrence>();
        occurrence.ToTable("occurrences");
        occurrence.HasKey(o => o.OccurrenceKey);
        // The query API pages newest first by (occurred_at, occurrence_key) and filters by these.
        occurrence.HasIndex(o => new { o.Cluster, o.EventUid });
        occurrence.HasIndex(o => new { o.OccurredAt, o.OccurrenceKey }).IsDescending(true, true);
        occurrence.HasIndex(o => new { o.EventNamespace, o.OccurredAt });
        occurrence.HasIndex(o => new { o.InvolvedKind, o.InvolvedName });
        occurrence.HasIndex(o => new { o.Reason, o.OccurredAt });
        occurrence.Property(o => o.Related).HasColumnType("jsonb");
        occurrence.Property(o => o.Labels).HasColumnType("jsonb");
        occurrence.Property(o => o.Annotations).HasColumnType("jsonb");

        // snake_case columns, so hand-written SQL and psql sessions read naturally.
        foreach (var property in occurrence.Metadata.GetProperties())
        {
            property.SetColumnName(SnakeCase(property.Name));
        }
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
