using Eventer.ServiceDefaults;

namespace Eventer.Collector.Outbox;

/// <summary>
/// The collector's schema as the SQL EF Core generates from <see cref="CollectorDbContext"/>'s
/// migrations (<c>Migrations/schema.sql</c>, embedded), applied at start by <see cref="ScriptMigrator"/>.
/// EF Core still owns the migrations; the process never loads it, which keeps about 30 MB out of its RSS.
/// A new migration needs the script written again:
/// <c>dotnet ef migrations script --idempotent --project services/Eventer.Collector -o services/Eventer.Collector/Outbox/Migrations/schema.sql</c>
/// (a test fails until it is).
/// </summary>
public static class CollectorSchema
{
    /// <summary><see cref="CollectorDbContext"/>'s full name, without loading EF Core to ask: it names the migration lock.</summary>
    public const string Context = "Eventer.Collector.Outbox.CollectorDbContext";

    public static readonly MigrationScript Script = MigrationScript.FromResource(
        typeof(CollectorSchema).Assembly, "Eventer.Collector.schema.sql", Context, CollectorDbContext.Schema);
}
