using Eventer.Contracts;
using MassTransit;

namespace Eventer.Collector.Outbox;

/// <summary>
/// Publishes each occurrence straight to the bus with its deterministic MessageId, waiting for the
/// broker's confirm. (The PostgreSQL outbox of DESIGN.md takes this seat in the collector issue.)
/// </summary>
public sealed class DirectPublishSink(IBus bus) : IOccurrenceSink
{
    public Task AcceptAsync(KubeEventObserved occurrence, CancellationToken cancellationToken) =>
        bus.Publish(occurrence, context => context.MessageId = OccurrenceKey.MessageIdFor(occurrence), cancellationToken);
}
