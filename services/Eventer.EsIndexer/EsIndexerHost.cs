using Eventer.EsIndexer.Consumers;
using Eventer.EsIndexer.Indexing;
using Eventer.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Eventer.EsIndexer;

/// <summary>The es-indexer, assembled: queue <c>es-indexer</c> → Elasticsearch or OpenSearch <c>_bulk</c>.</summary>
public static class EsIndexerHost
{
    public const string ServiceName = "es-indexer";
    public const string Queue = "es-indexer";

    /// <summary>Builds the es-indexer; <paramref name="configure"/> lets tests add configuration or services first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults(ServiceName);

        var connection = ElasticsearchConnection.Parse(builder.Configuration.GetConnectionString("elasticsearch"));
        builder.Services.AddValidatedOptions<EsIndexerOptions>(EsIndexerOptions.Section);
        builder.Services.AddSingleton(sp => new ElasticsearchClient(
            ElasticsearchTransport.Create(connection, sp.GetRequiredService<IOptions<EsIndexerOptions>>().Value)));
        builder.Services.AddSingleton(sp => new IndexLayout(sp.GetRequiredService<IOptions<EsIndexerOptions>>().Value));
        builder.Services.AddSingleton<ElasticsearchStatus>();
        builder.Services.AddHealthChecks().AddCheck<ElasticsearchStatus>("elasticsearch", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.AddSingleton<EsIndexerMetrics>();
        builder.Services.AddSingleton<IndexSetup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IndexSetup>());
        builder.Services.AddSingleton<BulkIndexer>();

        builder.AddEventerConsumer<KubeEventObservedConsumer, KubeEventObservedConsumerDefinition>(Queue);

        var app = builder.Build();
        app.MapServiceDefaults();
        return app;
    }
}
