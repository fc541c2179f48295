using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Eventer.DingTalkNotifier.Persistence;

/// <summary>
/// The notifier's schema: <c>dingtalk.alerts</c>, one row per occurrence and robot. A row waits
/// there until a message represents it, so nothing is lost while a robot is throttled or
/// misconfigured or the service restarts; once sent it stays for <c>InboxRetention</c> as the inbox
/// that keeps a redelivered message from notifying twice. <c>dingtalk.leases</c> holds the
/// dispatcher's lease (see <see cref="Delivery.DatabaseLease"/>). EF Core owns the migrations; the
/// hot path is plain SQL in <see cref="AlertStore"/> and the lease.
/// </summary>
public sealed class NotifierDbContext(DbContextOptions<NotifierDbContext> options) : DbContext(options)
{
    public const string Schema = "dingtalk";

    public const string LeasesTable = Schema + ".leases";

    public DbSet<AlertRow> Alerts => Set<AlertRow>();

    public DbSet<LeaseRow> Leases => Set<LeaseRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        var row = modelBuilder.Entity<AlertRow>();
        row.ToTable("alerts");
        row.HasKey(r => r.Id);
        row.Property(r => r.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        row.Property(r => r.MessageId).HasColumnName("message_id");
        row.Property(r => r.Robot).HasColumnName("robot");
        row.Property(r => r.Route).HasColumnName("route");
        row.Property(r => r.FoldKey).HasColumnName("fold_key");
        row.Property(r => r.LastSeen).HasColumnName("last_seen");
        row.Property(r => r.ReceivedAt).HasColumnName("received_at");
        row.Property(r => r.Mentions).HasColumnName("mentions").HasColumnType("jsonb");
        row.Property(r => r.Event).HasColumnName("event").HasColumnType("jsonb");
        row.Property(r => r.TraceParent).HasColumnName("trace_parent");
        row.Property(r => r.SentAt).HasColumnName("sent_at");
        row.Property(r => r.Disposition).HasColumnName("disposition");

        // The inbox: one row per message and robot, however often RabbitMQ delivers it.
        row.HasIndex(r => new { r.MessageId, r.Robot }).IsUnique();
        row.HasIndex(r => new { r.Robot, r.Id }).HasFilter("sent_at IS NULL").HasDatabaseName("ix_alerts_pending");
        row.HasIndex(r => r.SentAt).HasFilter("sent_at IS NOT NULL").HasDatabaseName("ix_alerts_sent_at");

        var lease = modelBuilder.Entity<LeaseRow>();
        lease.ToTable("leases");
        lease.HasKey(l => l.Name);
        lease.Property(l => l.Name).HasColumnName("name");
        lease.Property(l => l.Holder).HasColumnName("holder");
        lease.Property(l => l.ExpiresAt).HasColumnName("expires_at");
    }
}

/// <summary>A row of <c>dingtalk.leases</c>: who holds a named lease, and until when by the database's clock.</summary>
public sealed class LeaseRow
{
    public required string Name { get; init; }
    public required string Holder { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>A row of <c>dingtalk.alerts</c> (the schema's shape; the service reads and writes it with SQL).</summary>
public sealed class AlertRow
{
    public long Id { get; init; }
    public Guid MessageId { get; init; }
    public required string Robot { get; init; }
    public required string Route { get; init; }
    public required string FoldKey { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public required string Mentions { get; init; }
    public required string Event { get; init; }
    public string? TraceParent { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public string? Disposition { get; init; }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running notifier or database.</summary>
public sealed class NotifierDbContextFactory : IDesignTimeDbContextFactory<NotifierDbContext>
{
    public NotifierDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<NotifierDbContext>()
            .UseNpgsql("Host=localhost;Database=eventer", NotifierDatabase.ConfigureNpgsql)
            .Options);
}

/// <summary>How the notifier's context talks to PostgreSQL, the same at run time and design time.</summary>
public static class NotifierDatabase
{
    public static void ConfigureNpgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsHistoryTable("__EFMigrationsHistory", NotifierDbContext.Schema);
}
