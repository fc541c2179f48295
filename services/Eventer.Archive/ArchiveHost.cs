using Eventer.Archive.Consumers;
using Eventer.Archive.Persistence;
using Eventer.ServiceDefaults;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Eventer.Archive;

/// <summary>The archive, assembled: queue <c>archive</c> → PostgreSQL.</summary>
public static class ArchiveHost
{
    public const string ServiceName = "archive";
    public const string Queue = "archive";

    /// <summary>Builds the archive; <paramref name="configure"/> lets tests add configuration or services first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults(ServiceName);

        var postgres = PostgresConnection.Read(builder.Configuration);
        builder.Services.AddDbContext<ArchiveDbContext>(o => o
            .UseNpgsql(postgres, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", ArchiveDbContext.Schema))
            // A duplicate insert is the normal answer to a redelivery, and the first migration probes a
            // missing history table: neither is an error worth a log line. Real failures still throw.
            .ConfigureWarnings(w => w.Log((RelationalEventId.CommandError, LogLevel.Debug))));
        builder.Services.AddHealthChecks().AddDbContextCheck<ArchiveDbContext>("database", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.AddMigrationAtStart<ArchiveDbContext>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ArchiveMetrics>();
        builder.Services.AddScoped<OccurrenceStore>();

        builder.AddEventerBus(Queue, bus => bus.AddConsumer<KubeEventObservedConsumer, KubeEventObservedConsumerDefinition>());

        var app = builder.Build();
        app.MapServiceDefaults();
        return app;
    }
}
