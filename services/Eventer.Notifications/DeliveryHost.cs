using Eventer.Notifications.Consumers;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;
using Eventer.Notifications.Routing;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Eventer.Notifications;

/// <summary>
/// A notifier on the delivery core, assembled: its queue → routes → pending alerts in its own
/// schema → one dispatcher (by lease) → the sink's sender, with metrics and readiness. A sink calls
/// <see cref="AddDelivery{TOptions, TSender}"/> with its options and sender and is done.
/// </summary>
public static class DeliveryHost
{
    /// <summary>The name of the lease in <c>&lt;schema&gt;.leases</c> that lets one replica send.</summary>
    public const string DispatcherLeaseName = "dispatcher";

    /// <summary>
    /// Everything but the sender's own HTTP client: options from <paramref name="section"/>
    /// (validated at start), PostgreSQL in <see cref="DeliverySink.Schema"/> (migrated at start),
    /// the consumer on <paramref name="queue"/>, the dispatcher, and readiness checks
    /// <c>database</c> and <c>&lt;target&gt;s</c> (e.g. <c>robots</c>).
    /// </summary>
    public static IHostApplicationBuilder AddDelivery<TOptions, TSender>(this IHostApplicationBuilder builder, DeliverySink sink, string section, string queue)
        where TOptions : DeliveryOptions, new()
        where TSender : class, IAlertSender
    {
        var services = builder.Services;
        services.AddValidatedOptions<TOptions>(section);
        services.AddSingleton<DeliveryOptions>(s => s.GetRequiredService<IOptions<TOptions>>().Value);
        services.AddSingleton(sink);
        services.AddSingleton(TimeProvider.System);

        // Nothing a notifier runs uses EF Core, so its migrations are applied as SQL: no EF Core in the process.
        builder.AddScriptedDatabase(DeliverySchema.For(sink));
        services.AddSingleton<AlertStore>();
        services.AddSingleton<Router>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<TargetStates>();
        services.AddSingleton(s => new DatabaseLease(
            s.GetRequiredService<NpgsqlDataSource>(),
            sink.Schema + ".leases",
            DispatcherLeaseName,
            EventerHost.ReplicaIdentity(),
            s.GetRequiredService<DeliveryOptions>().DispatcherLeaseDuration,
            s.GetRequiredService<TimeProvider>(),
            s.GetRequiredService<ILogger<DatabaseLease>>()));
        services.AddSingleton<IAlertSender, TSender>();
        services.AddHostedService<AlertDispatcher>();

        // Named before the options are read: "robots" for DingTalk, "targets" for the webhook notifier.
        var noun = new TOptions().Words().Target;
        services.AddHealthChecks().AddCheck<TargetsHealthCheck>(noun + "s", tags: [ServiceDefaultsExtensions.ReadyTag]);

        builder.AddEventerConsumer<KubeEventObservedConsumer, KubeEventObservedConsumerDefinition>(queue);
        return builder;
    }

    /// <summary>
    /// The typed HttpClient a sender posts with: the notifier's <c>RequestTimeout</c>, connections
    /// renewed every two minutes (the client lives as long as the singleton sender, and a platform's
    /// addresses change), and no HttpClient logging at all — request URIs carry the targets' tokens.
    /// </summary>
    public static IHttpClientBuilder AddPlatformClient<TClient>(this IServiceCollection services)
        where TClient : class =>
        services.AddHttpClient<TClient>((s, http) => http.Timeout = s.GetRequiredService<DeliveryOptions>().RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .RemoveAllLoggers();
}
