using System.Text.RegularExpressions;
using Eventer.ServiceDefaults;

namespace Eventer.Notifications.Persistence;

/// <summary>
/// A sink's schema as the SQL EF Core generates from <see cref="DeliveryDbContext"/>'s migrations
/// (<c>Migrations/schema.sql</c>, embedded, written for the schema <see cref="Placeholder"/>),
/// applied at start by <see cref="ScriptMigrator"/>. Nothing a notifier runs uses EF Core, and
/// migrating through it kept EF Core loaded for the life of the process. A new migration needs the
/// script written again (a test fails until it is):
/// <c>dotnet ef migrations script --idempotent --project services/Eventer.Notifications -o services/Eventer.Notifications/Persistence/Migrations/schema.sql -- --schema eventer_sink_schema</c>
/// </summary>
public static partial class DeliverySchema
{
    /// <summary>The schema the embedded script is written for; each sink's replaces it.</summary>
    public const string Placeholder = "eventer_sink_schema";

    /// <summary><see cref="DeliveryDbContext"/>'s full name, without loading EF Core to ask: it names the migration lock.</summary>
    public const string Context = "Eventer.Notifications.Persistence.DeliveryDbContext";

    private static readonly Lazy<string> Template = new(() => MigrationScript.FromResource(
        typeof(DeliverySchema).Assembly, "Eventer.Notifications.schema.sql", Context, Placeholder).Sql);

    /// <summary>The script for <paramref name="sink"/>'s schema.</summary>
    public static MigrationScript For(DeliverySink sink)
    {
        // EF Core writes such a name bare, as the placeholder is written; any other it would quote.
        if (!PlainName().IsMatch(sink.Schema))
        {
            throw new ArgumentException($"A sink's schema must be lower-case letters, digits and '_', starting with a letter or '_': '{sink.Schema}'", nameof(sink));
        }

        return new MigrationScript(Context, sink.Schema, Template.Value.Replace(Placeholder, sink.Schema, StringComparison.Ordinal));
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex PlainName();
}
