using Eventer.Archive.Persistence;
using Eventer.Contracts;
using Eventer.ServiceDefaults;
using MassTransit;

namespace Eventer.Archive.Consumers;

/// <summary>Archives each occurrence once, however often RabbitMQ delivers it.</summary>
public sealed class KubeEventObservedConsumer(OccurrenceStore store, ArchiveMetrics metrics, ILogger<KubeEventObservedConsumer> logger)
    : IConsumer<KubeEventObserved>
{
    public async Task Consume(ConsumeContext<KubeEventObserved> context)
    {
        var message = context.Message;
        if (string.IsNullOrEmpty(message.Cluster) || string.IsNullOrEmpty(message.EventUid) || message.Occurrence < 1)
        {
            throw new UnprocessableMessageException("KubeEventObserved without cluster, event uid or a positive occurrence has no occurrence key");
        }

        if (await store.StoreAsync(message, context.CancellationToken))
        {
            metrics.Stored();
        }
        else
        {
            metrics.DuplicateSkipped();
            logger.LogDebug("Occurrence {Occurrence} of {EventUid} in {Namespace} was already archived", message.Occurrence, message.EventUid, message.EventNamespace);
        }
    }
}

/// <summary>How the archive consumes: retry and kill switch come from the bus defaults.</summary>
public sealed class KubeEventObservedConsumerDefinition : ConsumerDefinition<KubeEventObservedConsumer>
{
    public KubeEventObservedConsumerDefinition()
    {
        ConcurrentMessageLimit = 16;
    }
}
