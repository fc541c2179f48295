using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventer.ServiceDefaults;

/// <summary>What a consumer service needs beyond <see cref="ServiceDefaultsExtensions.AddServiceDefaults"/>, in one line each.</summary>
public static class EventerConsumerExtensions
{
    /// <summary>
    /// Reads <paramref name="queue"/> (durable, bound to the <c>KubeEventObserved</c> exchange) with
    /// <typeparamref name="TConsumer"/>: RabbitMQ from <c>ConnectionStrings:rabbitmq</c>, the default
    /// retry, kill switch and <c>&lt;queue&gt;_error</c> for what cannot be handled. A
    /// <typeparamref name="TDefinition"/> adds what is the consumer's own (batches, retries).
    /// </summary>
    public static IHostApplicationBuilder AddEventerConsumer<TConsumer, TDefinition>(this IHostApplicationBuilder builder, string queue)
        where TConsumer : class, IConsumer
        where TDefinition : class, IConsumerDefinition<TConsumer> =>
        builder.AddEventerBus(queue, bus => bus.AddConsumer<TConsumer, TDefinition>());

    /// <summary>The same without a definition: one message at a time, the defaults for everything else.</summary>
    public static IHostApplicationBuilder AddEventerConsumer<TConsumer>(this IHostApplicationBuilder builder, string queue)
        where TConsumer : class, IConsumer =>
        builder.AddEventerBus(queue, bus => bus.AddConsumer<TConsumer>());

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
