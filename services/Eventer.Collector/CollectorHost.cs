using Eventer.Collector.Mapping;
using Eventer.Collector.Outbox;
using Eventer.Collector.Watching;
using Eventer.ServiceDefaults;
using k8s;
using Microsoft.Extensions.Options;

namespace Eventer.Collector;

/// <summary>The collector, assembled: watch → occurrence → sink → bus.</summary>
public static class CollectorHost
{
    public const string ServiceName = "collector";

    /// <summary>Builds the collector; <paramref name="configure"/> lets tests add configuration or services first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults(ServiceName);
        builder.AddEventerBus();
        builder.Services.AddValidatedOptions<CollectorOptions>(CollectorOptions.Section);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CollectorMetrics>();
        builder.Services.AddSingleton<OccurrenceTracker>();
        builder.Services.AddSingleton<WatchStatus>();
        WatchStatus.Register(builder.Services.AddHealthChecks());

        // Collector:Kubeconfig when set; else KUBECONFIG, then ~/.kube/config, then the in-cluster service account.
        builder.Services.AddSingleton<IKubernetes>(sp => new Kubernetes(
            sp.GetRequiredService<IOptions<CollectorOptions>>().Value.Kubeconfig is { Length: > 0 } path
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
                : KubernetesClientConfiguration.BuildDefaultConfig()));
        builder.Services.AddSingleton(sp => new KubeEventMapper(
            sp.GetRequiredService<IOptions<CollectorOptions>>().Value.ClusterName, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IKubeEventSource>(sp => new KubeEventSource(
            sp.GetRequiredService<IKubernetes>(), sp.GetRequiredService<KubeEventMapper>(),
            sp.GetRequiredService<IOptions<CollectorOptions>>().Value.Api));
        builder.Services.AddSingleton<IOccurrenceSink, DirectPublishSink>();
        builder.Services.AddHostedService<KubeEventWatcher>();

        var app = builder.Build();
        app.MapServiceDefaults();
        return app;
    }
}
