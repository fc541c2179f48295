using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Internal;

namespace Eventer.Notifications.Persistence;

/// <summary>
/// A notifier's schema (its sink's, e.g. <c>dingtalk</c>): <c>alerts</c>, one row per occurrence
/// and target. A row waits there until a message represents it, so nothing is lost while a target
/// is throttled or misconfigured or the service restarts; once sent it stays for
/// <c>InboxRetention</c> as the inbox that keeps a redelivered message from notifying twice.
/// <c>leases</c> holds the dispatcher's lease (see <see cref="Delivery.DatabaseLease"/>). EF Core
/// owns the migrations, written once for every sink's schema (see
/// <see cref="SchemaMigrationsAssembly"/>); the hot path is plain SQL in <see cref="AlertStore"/>
/// and the lease.
/// </summary>
public sealed class DeliveryDbContext(DbContextOptions<DeliveryDbContext> options, DeliverySink sink) : DbContext(options)
{
    public string Schema { get; } = sink.Schema;

    public string LeasesTable => Schema + ".leases";

    public DbSet<AlertRow> Alerts => Set<AlertRow>();

    public DbSet<LeaseRow> Leases => Set<LeaseRow>();

    /// <summary>
    /// A context for <paramref name="sink"/>'s schema on <paramref name="connectionString"/>, its
    /// migrations history in that schema as the notifiers keep it: for design time, tests and the bench
    /// (the notifiers get theirs from <c>AddEventerDatabase</c>).
    /// </summary>
    public static DeliveryDbContext Create(string connectionString, DeliverySink sink)
    {
        var options = new DbContextOptionsBuilder<DeliveryDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", sink.Schema));
        UseSchemas(options);
        return new DeliveryDbContext(options.Options, sink);
    }

    /// <summary>One model and one set of migrations per schema (at run time and design time).</summary>
    public static void UseSchemas(DbContextOptionsBuilder options) => options
        .ReplaceService<IModelCacheKeyFactory, SchemaModelCacheKeyFactory>()
        .ReplaceService<IMigrationsAssembly, SchemaMigrationsAssembly>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        var row = modelBuilder.Entity<AlertRow>();
        row.ToTable("alerts");
        row.HasKey(r => r.Id);
        row.Property(r => r.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        row.Property(r => r.MessageId).HasColumnName("message_id");
        row.Property(r => r.Target).HasColumnName("target");
        row.Property(r => r.Route).HasColumnName("route");
        row.Property(r => r.FoldKey).HasColumnName("fold_key");
        row.Property(r => r.LastSeen).HasColumnName("last_seen");
        row.Property(r => r.ReceivedAt).HasColumnName("received_at");
        row.Property(r => r.Mentions).HasColumnName("mentions").HasColumnType("jsonb");
        row.Property(r => r.Event).HasColumnName("event").HasColumnType("jsonb");
        row.Property(r => r.TraceParent).HasColumnName("trace_parent");
        row.Property(r => r.SentAt).HasColumnName("sent_at");
        row.Property(r => r.Disposition).HasColumnName("disposition");

        // The inbox: one row per message and target, however often RabbitMQ delivers it.
        row.HasIndex(r => new { r.MessageId, r.Target }).IsUnique();
        row.HasIndex(r => new { r.Target, r.Id }).HasFilter("sent_at IS NULL").HasDatabaseName("ix_alerts_pending");
        row.HasIndex(r => r.SentAt).HasFilter("sent_at IS NOT NULL").HasDatabaseName("ix_alerts_sent_at");

        var lease = modelBuilder.Entity<LeaseRow>();
        lease.ToTable("leases");
        lease.HasKey(l => l.Name);
        lease.Property(l => l.Name).HasColumnName("name");
        lease.Property(l => l.Holder).HasColumnName("holder");
        lease.Property(l => l.ExpiresAt).HasColumnName("expires_at");
    }
}

/// <summary>A row of <c>&lt;schema&gt;.leases</c>: who holds a named lease, and until when by the database's clock.</summary>
public sealed class LeaseRow
{
    public required string Name { get; init; }
    public required string Holder { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>A row of <c>&lt;schema&gt;.alerts</c> (the schema's shape; the service reads and writes it with SQL).</summary>
public sealed class AlertRow
{
    public long Id { get; init; }
    public Guid MessageId { get; init; }
    public required string Target { get; init; }
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

/// <summary>
/// Lets <c>dotnet ef</c> build the model without a running notifier or database: for the DingTalk
/// schema (any is the same for <c>migrations add</c>), or the one after <c>-- --schema</c> (the
/// script of <see cref="DeliverySchema"/> is written for its placeholder).
/// </summary>
public sealed class DeliveryDbContextFactory : IDesignTimeDbContextFactory<DeliveryDbContext>
{
    public DeliveryDbContext CreateDbContext(string[] args)
    {
        var at = Array.IndexOf(args, "--schema");
        var schema = at >= 0 && at + 1 < args.Length ? args[at + 1] : "dingtalk";
        return DeliveryDbContext.Create("Host=localhost;Database=eventer", new DeliverySink(schema, "Eventer.Notifications", "notifications"));
    }
}

/// <summary>One model per schema: EF caches models by context type unless told otherwise, and two sinks may share a process (tests do).</summary>
public sealed class SchemaModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) => (context.GetType(), ((DeliveryDbContext)context).Schema, designTime);
}

/// <summary>
/// Builds the core's migrations and model snapshot for the context's schema: they are written once,
/// with the schema as a constructor argument, so every sink migrates its own schema with them.
/// </summary>
#pragma warning disable EF1001 // MigrationsAssembly is EF's internal API; this is the documented way to pass a migration its schema.
public sealed class SchemaMigrationsAssembly(
    ICurrentDbContext currentContext,
    IDbContextOptions options,
    IMigrationsIdGenerator idGenerator,
    IDiagnosticsLogger<DbLoggerCategory.Migrations> logger) : MigrationsAssembly(currentContext, options, idGenerator, logger)
{
    private readonly string _schema = ((DeliveryDbContext)currentContext.Context).Schema;

    public override ModelSnapshot ModelSnapshot => new Migrations.DeliveryDbContextModelSnapshot(_schema);

    public override Migration CreateMigration(TypeInfo migrationClass, string activeProvider)
    {
        var migration = (Migration)Activator.CreateInstance(migrationClass.AsType(), _schema)!;
        migration.ActiveProvider = activeProvider;
        return migration;
    }
}
#pragma warning restore EF1001
