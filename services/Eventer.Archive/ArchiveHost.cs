using Eventer.Archive.Api;
using Eventer.Archive.Consumers;
using Eventer.Archive.Persistence;
using Eventer.ServiceDefaults;
using MassTransit;
using Microsoft.EntityFrameworkCore;

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

        builder.AddEventerDatabase<ArchiveDbContext>(ArchiveDbContext.Schema);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ArchiveMetrics>();
        builder.Services.AddScoped<OccurrenceStore>();
        builder.Services.AddValidatedOptions<RetentionOptions>(RetentionOptions.Section);
        builder.Services.AddHostedService<RetentionJob>();
        builder.Services.AddValidatedOptions<ArchiveApiOptions>(ArchiveApiOptions.Section);

        builder.Services.AddValidatedOptions<ArchiveBatchOptions>(ArchiveBatchOptions.Section);
        builder.AddEventerConsumer<KubeEventObservedConsumer, KubeEventObservedConsumerDefinition>(Queue);

        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapArchiveApi();
        return app;
    }
}
