using Eventer.Collector.Leadership;
using Eventer.Collector.Mapping;
using Eventer.Collector.Outbox;
using Eventer.Collector.Publishing;
using Eventer.Collector.Watching;
using Eventer.ServiceDefaults;
using k8s;
using Microsoft.Extensions.Options;

namespace Eventer.Collector;

/// <summary>The collector, assembled: watch → occurrence → outbox (PostgreSQL) → relay → bus.</summary>
public static class CollectorHost
{
    public const string ServiceName = "collector";

    /// <summary>Builds the collector; <paramref name="configure"/> lets tests add configuration or services first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults(ServiceName);
        // Bound by the configuration binder's generated code and validated by the options generator's:
        // the collector is compiled ahead of time, where the binder's and validator's reflection is not kept.
        builder.Services.AddValidatedOptions(CollectorOptions.Section, new CollectorOptionsValidator(), (config, o) => config.Bind(o));
        builder.Services.AddValidatedOptions(OutboxOptions.Section, new OutboxOptionsValidator(), (config, o) => config.Bind(o));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CollectorMetrics>();
        builder.Services.AddSingleton<CollectorStatus>();
        CollectorStatus.Register(builder.Services.AddHealthChecks());

        // Hosted services start in this order and stop in reverse: the schema exists before
        // anything runs; at shutdown the watcher stops first, the writer flushes, the relay
        // drains, then the lease is released. The broker connection closes with the container.
        // The schema is applied as SQL: nothing the collector runs uses EF Core, so it is never loaded.
        builder.AddScriptedDatabase(CollectorSchema.Script);
        var broker = RabbitMqConnection.Parse(builder.Configuration.GetConnectionString("rabbitmq"));
        builder.Services.AddSingleton(sp => new OccurrencePublisher(broker, sp.GetRequiredService<ILogger<OccurrencePublisher>>()));
        builder.Services.AddLeaderGate();
        AddOutbox(builder.Services);
        AddWatching(builder.Services);

        var app = builder.Build();
        app.MapServiceDefaults();
        return app;
    }

    private static void AddOutbox(IServiceCollection services)
    {
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<DeadLetterStore>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        services.AddHostedService<OutboxHousekeeper>();
        services.AddSingleton<OutboxWriter>();
        services.AddSingleton<IOccurrenceSink>(sp => sp.GetRequiredService<OutboxWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<OutboxWriter>());
    }

    private static void AddWatching(IServiceCollection services)
    {
        services.AddSingleton(sp => new Kubernetes(
            KubeconfigReader.ClientConfiguration(sp.GetRequiredService<IOptions<CollectorOptions>>().Value.Kubeconfig)));
        services.AddSingleton<IKubernetes>(sp => sp.GetRequiredService<Kubernetes>());
        services.AddSingleton(sp => new KubeEventMapper(
            sp.GetRequiredService<IOptions<CollectorOptions>>().Value.ClusterName, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IKubeEventSource>(sp => new KubeEventSource(
            sp.GetRequiredService<Kubernetes>(), sp.GetRequiredService<KubeEventMapper>(),
            sp.GetRequiredService<IOptions<CollectorOptions>>().Value.Api,
            sp.GetRequiredService<CollectorMetrics>(), sp.GetRequiredService<ILogger<KubeEventSource>>()));
        services.AddSingleton(sp => new OccurrenceTracker(sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<CollectorOptions>>().Value.EventTtl + OccurrenceTracker.Margin));
        services.AddSingleton<WatchHeartbeat>();
        services.AddHostedService<KubeEventWatcher>();
    }
}
