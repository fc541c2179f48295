using Microsoft.EntityFrameworkCore;

namespace Eventer.Archive.Persistence;

public sealed class ArchiveDbContext(DbContextOptions<ArchiveDbContext> options) : DbContext(options)
{
    /// <summary>The archive's tables live in their own schema, so it can share a database with the collector.</summary>
    public const string Schema = "archive";

    public DbSet<StoredOccurrence> Occurrences => Set<StoredOccurrence>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        var occurrence = modelBuilder.Entity<StoredOccurrence>();
        occurrence.ToTable("occurrences");
        occurrence.HasKey(o => o.OccurrenceKey);
        occurrence.HasIndex(o => new { o.Cluster, o.EventUid });
        occurrence.HasIndex(o => o.LastTimestamp);
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
