using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventer.ServiceDefaults;

/// <summary>
/// A database through EF Core, for a service that queries with it (the archive). A class of its
/// own: a class that mentions EF Core's types loads EF Core into every service that calls any of
/// its methods, and the collector and the notifiers run without it (see <see cref="ScriptMigrator"/>).
/// </summary>
public static class EventerDatabaseExtensions
{
    /// <summary>
    /// A PostgreSQL database (<c>ConnectionStrings:postgres</c>) for <typeparamref name="TContext"/>:
    /// its migration history in its own <paramref name="schema"/>, migrated at start (one replica at
    /// a time), and a <c>database</c> readiness check. <paramref name="configure"/> adds to the
    /// context's options (e.g. services that give migrations their schema). Returns the connection string.
    /// </summary>
    public static string AddEventerDatabase<TContext>(this IHostApplicationBuilder builder, string schema, Action<DbContextOptionsBuilder>? configure = null)
        where TContext : DbContext
    {
        var postgres = PostgresConnection.Read(builder.Configuration);
        builder.Services.AddDbContext<TContext>(o =>
        {
            o.UseNpgsql(postgres, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", schema)).LogFailedCommandsAtDebug();
            configure?.Invoke(o);
        });
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>("database", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.AddMigrationAtStart<TContext>();
        return postgres;
    }
}
