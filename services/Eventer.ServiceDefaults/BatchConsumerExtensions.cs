using MassTransit;

namespace Eventer.ServiceDefaults;

/// <summary>Batch consumers, set up the same way in every service that writes in bulk.</summary>
public static class BatchConsumerExtensions
{
    /// <summary>
    /// Hands the consumer batches of up to <paramref name="messageLimit"/> messages, or what arrived
    /// within <paramref name="timeLimit"/>, <paramref name="concurrencyLimit"/> at a time, and raises
    /// the endpoint's prefetch so that a batch can fill: the broker must hand over that many at once.
    /// </summary>
    public static void UseBatches<TConsumer>(this IConsumerConfigurator<TConsumer> consumer, IReceiveEndpointConfigurator endpoint,
        int messageLimit, TimeSpan timeLimit, int concurrencyLimit)
        where TConsumer : class
    {
        consumer.Options<BatchOptions>(b => b
            .SetMessageLimit(messageLimit)
            .SetTimeLimit(timeLimit)
            .SetConcurrencyLimit(concurrencyLimit));
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = Math.Max(rabbit.PrefetchCount, messageLimit * concurrencyLimit);
        }
    }
}
