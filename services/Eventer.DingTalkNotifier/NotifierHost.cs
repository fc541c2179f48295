using Eventer.DingTalkNotifier.Consumers;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Persistence;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Eventer.ServiceDefaults;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Eventer.DingTalkNotifier;

/// <summary>The DingTalk notifier, assembled: queue <c>dingtalk-notifier</c> → routes → pending alerts (PostgreSQL) → robots.</summary>
public static class NotifierHost
{
    public const string ServiceName = "dingtalk-notifier";
    public const string Queue = "dingtalk-notifier";

    /// <summary>The name of the lease in <c>dingtalk.leases</c> that lets one replica send.</summary>
    public const string DispatcherLeaseName = "dispatcher";

    /// <summary>Builds the notifier; <paramref name="configure"/> lets tests add configuration or services first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults(ServiceName);
        builder.Services.AddValidatedOptions<NotifierOptions>(NotifierOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);

        var postgres = PostgresConnection.Read(builder.Configuration);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
        builder.Services.AddDbContext<NotifierDbContext>(o => o
            .UseNpgsql(postgres, NotifierDatabase.ConfigureNpgsql)
            .LogFailedCommandsAtDebug());
        builder.Services.AddMigrationAtStart<NotifierDbContext>();
        builder.Services.AddSingleton<AlertStore>();

        builder.Services.AddSingleton<Router>();
        builder.Services.AddSingleton<AlertRenderer>();
        builder.Services.AddSingleton<NotifierMetrics>();
        builder.Services.AddSingleton<RobotStates>();
        builder.Services.AddSingleton(services => new DatabaseLease(
            services.GetRequiredService<NpgsqlDataSource>(),
            NotifierDbContext.LeasesTable,
            DispatcherLeaseName,
            EventerHost.ReplicaIdentity(),
            services.GetRequiredService<IOptions<NotifierOptions>>().Value.DispatcherLeaseDuration,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<DatabaseLease>>()));
        builder.Services.AddHttpClient<DingTalkClient>((services, http) =>
                http.Timeout = services.GetRequiredService<IOptions<NotifierOptions>>().Value.RequestTimeout)
            // The client lives as long as the sender (a singleton): connections are renewed so a
            // change of DingTalk's addresses is followed.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            // The request URI carries the robot's access token: no HttpClient logging at all.
            .RemoveAllLoggers();
        builder.Services.AddSingleton<IAlertSender>(services =>
            services.GetRequiredService<IOptions<NotifierOptions>>().Value.DryRun
                ? ActivatorUtilities.CreateInstance<DryRunSender>(services)
                : services.GetRequiredService<DingTalkClient>());
        builder.Services.AddHostedService<AlertDispatcher>();

        builder.Services.AddHealthChecks()
            .AddDbContextCheck<NotifierDbContext>("database", tags: [ServiceDefaultsExtensions.ReadyTag])
            .AddCheck<RobotsHealthCheck>("robots", tags: [ServiceDefaultsExtensions.ReadyTag]);

        builder.AddEventerBus(Queue, bus => bus.AddConsumer<KubeEventObservedConsumer, KubeEventObservedConsumerDefinition>());

        var app = builder.Build();
        app.MapServiceDefaults();
        return app;
    }
}
