using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Eventer.ServiceDefaults;

/// <summary>MassTransit over RabbitMQ, configured the same way in every service.</summary>
public static class EventerBusExtensions
{
    /// <summary>
    /// Adds MassTransit over RabbitMQ (<c>ConnectionStrings:rabbitmq</c>, required). When <paramref name="queue"/> is given, the
    /// consumers registered by <paramref name="configure"/> read that durable queue (or the
    /// <c>Bus:Queue</c> override) with the default in-memory retry and kill switch; their
    /// definitions add what is specific to them. Publisher confirms are on.
    /// </summary>
    public static IHostApplicationBuilder AddEventerBus(
        this IHostApplicationBuilder builder,
        string? queue = null,
        Action<IBusRegistrationConfigurator>? configure = null)
    {
        var connection = RabbitMqConnection.Parse(builder.Configuration.GetConnectionString("rabbitmq"));
        builder.Services.AddValidatedOptions<EventerBusOptions>(EventerBusOptions.Section);

        // Start even when the broker is down: readiness reports it, MassTransit keeps reconnecting.
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit 8.5 reports usage to masstransit.io by default: nothing leaves the cluster.
            bus.DisableUsageTelemetry();
            configure?.Invoke(bus);
            bus.UsingRabbitMq((context, cfg) =>
            {
                var options = context.GetRequiredService<IOptions<EventerBusOptions>>().Value;
                cfg.Host(connection.Host, (ushort)connection.Port, connection.VirtualHost, h =>
                {
                    h.Username(connection.Username);
                    h.Password(connection.Password);
                    h.PublisherConfirmation = true;
                    if (connection.UseTls)
                    {
                        h.UseSsl(s => s.ServerName = connection.Host);
                    }
                });

                if (queue is not null)
                {
                    cfg.ReceiveEndpoint(options.Queue ?? queue, endpoint =>
                    {
                        if (options.QuorumQueues)
                        {
                            endpoint.SetQuorumQueue();
                        }

                        endpoint.PrefetchCount = options.PrefetchCount;
                        endpoint.UseKillSwitch(k => k
                            .SetActivationThreshold(options.KillSwitchActivationThreshold)
                            .SetTripThreshold(options.KillSwitchTripThreshold)
                            .SetRestartTimeout(options.KillSwitchRestartTimeout));
                        endpoint.UseMessageRetry(r =>
                        {
                            r.Ignore<UnprocessableMessageException>();
                            r.Interval(options.RetryLimit, options.RetryInterval);
                        });
                        endpoint.ConfigureConsumers(context);
                    });
                }
            });
        });

        return builder;
    }
}
