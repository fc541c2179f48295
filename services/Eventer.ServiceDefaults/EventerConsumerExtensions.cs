using MassTransit;
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
}
