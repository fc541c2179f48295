using System.Diagnostics.CodeAnalysis;
using Microsoft.EntityFrameworkCore;

namespace Eventer.Collector.Outbox;

/// <summary>The collector's schema. EF Core owns the migrations; the hot path is plain SQL in <see cref="OutboxStore"/>.</summary>
/// <remarks>
/// Design time only (<c>dotnet ef</c>, the schema tests): the running collector applies the script
/// generated from it (<see cref="CollectorSchema"/>) and never creates a context, so EF Core's
/// reflection, which the collector's ahead-of-time build would not keep, is never needed.
/// </remarks>
[RequiresUnreferencedCode(DesignTimeOnly)]
[RequiresDynamicCode(DesignTimeOnly)]
public sealed class CollectorDbContext(DbContextOptions<CollectorDbContext> options) : DbContext(options)
{
    /// <summary>The collector's tables live in their own schema, so it can share a database with the archive.</summary>
    public const string Schema = "collector";

    private const string DesignTimeOnly = "EF Core models by reflection; the running collector applies schema.sql instead.";

    public DbSet<OutboxRow> Outbox => Set<OutboxRow>();

    public DbSet<WatchState> WatchStates => Set<WatchState>();

    public DbSet<DeadLetter> DeadLetters => Set<DeadLetter>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        var row = modelBuilder.Entity<OutboxRow>();
        row.ToTable("outbox");
        row.HasKey(r => r.Id);
        row.Property(r => r.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        row.Property(r => r.OccurrenceKey).HasColumnName("occurrence_key");
        row.HasIndex(r => r.OccurrenceKey).IsUnique();
        row.Property(r => r.MessageId).HasColumnName("message_id");
        row.Property(r => r.Payload).HasColumnName("payload").HasColumnType("jsonb");
        row.Property(r => r.TraceParent).HasColumnName("trace_parent");
        row.Property(r => r.TraceState).HasColumnName("trace_state");
        row.Property(r => r.ObservedAt).HasColumnName("observed_at");
        row.Property(r => r.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        row.Property(r => r.SentAt).HasColumnName("sent_at");

        // The relay reads unsent rows in id order; the purge finds old sent rows.
        row.HasIndex(r => r.Id).HasFilter("sent_at IS NULL").HasDatabaseName("ix_outbox_unsent");
        row.HasIndex(r => r.SentAt).HasFilter("sent_at IS NOT NULL").HasDatabaseName("ix_outbox_sent_at");

        var state = modelBuilder.Entity<WatchState>();
        state.ToTable("watch_state");
        state.HasKey(s => s.Cluster);
        state.Property(s => s.Cluster).HasColumnName("cluster");
        state.Property(s => s.LastWatchingAt).HasColumnName("last_watching_at");

        var dead = modelBuilder.Entity<DeadLetter>();
        dead.ToTable("dead_letters");
        dead.HasKey(d => d.Id);
        dead.Property(d => d.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        dead.Property(d => d.OccurrenceKey).HasColumnName("occurrence_key");
        dead.HasIndex(d => d.OccurrenceKey).IsUnique();
        dead.Property(d => d.MessageId).HasColumnName("message_id");
        dead.Property(d => d.SqlState).HasColumnName("sql_state");
        dead.Property(d => d.Reason).HasColumnName("reason");
        dead.Property(d => d.Payload).HasColumnName("payload").HasColumnType("bytea");
        dead.Property(d => d.ObservedAt).HasColumnName("observed_at");
        dead.Property(d => d.SetAsideAt).HasColumnName("set_aside_at").HasDefaultValueSql("now()");
    }
}

/// <summary>When a cluster was last watched (see <see cref="Watching.WatchHeartbeat"/>).</summary>
public sealed class WatchState
{
    public required string Cluster { get; init; }
    public DateTimeOffset LastWatchingAt { get; init; }
}

/// <summary>An occurrence PostgreSQL refused for its content (see <see cref="DeadLetterStore"/>).</summary>
public sealed class DeadLetter
{
    public long Id { get; init; }
    public required string OccurrenceKey { get; init; }
    public Guid MessageId { get; init; }

    /// <summary>The SQLSTATE of the refusal; null when the row could not even be sent.</summary>
    public string? SqlState { get; init; }
    public required string Reason { get; init; }

    /// <summary>The <c>KubeEventObserved</c> JSON as UTF-8 bytes: bytea keeps what jsonb refused.</summary>
    public required byte[] Payload { get; init; }
    public DateTimeOffset ObservedAt { get; init; }
    public DateTimeOffset SetAsideAt { get; init; }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running collector or database.</summary>
[RequiresUnreferencedCode("EF Core design time only.")]
[RequiresDynamicCode("EF Core design time only.")]
public sealed class CollectorDbContextFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<CollectorDbContext>
{
    public CollectorDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CollectorDbContext>()
            .UseNpgsql("Host=localhost;Database=eventer", CollectorDatabase.ConfigureNpgsql)
            .Options);
}

/// <summary>How the collector's context talks to PostgreSQL, the same at run time and design time.</summary>
public static class CollectorDatabase
{
    public static void ConfigureNpgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsHistoryTable("__EFMigrationsHistory", CollectorDbContext.Schema);
}
