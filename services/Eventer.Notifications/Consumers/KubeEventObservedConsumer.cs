using Eventer.Notifications;
using System.Diagnostics;
using Eventer.Contracts;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Eventer.ServiceDefaults;
using MassTransit;
using MassTransit.Logging;

namespace Eventer.Notifications.Consumers;

/// <summary>
/// Routes each occurrence and writes it as pending for every target it goes to, a batch at a time;
/// the <see cref="AlertDispatcher"/> sends from there within each target's budget. Writing is keyed
/// by MessageId and target, so a redelivered message adds nothing and never notifies twice.
/// </summary>
public sealed class KubeEventObservedConsumer(Router router, AlertStore store, DeliveryMetrics metrics, TimeProvider clock)
    : IConsumer<Batch<KubeEventObserved>>
{
    public async Task Consume(ConsumeContext<Batch<KubeEventObserved>> context)
    {
        var now = clock.GetUtcNow();
        var alerts = new List<NewAlert>();
        var routings = new List<RoutingResult>();
        foreach (var item in context.Message)
        {
            var occurrence = item.Message;
            var routing = router.Route(occurrence, now);
            routings.Add(routing);
            var messageId = item.MessageId ?? OccurrenceKey.MessageIdFor(occurrence);
            // Each message of a batch has its own trace (the batch's activity continues only one):
            // the send later continues the one this message's publish carried.
            var traceParent = item.Headers.Get<string>(DiagnosticHeaders.DiagnosticId) ?? Activity.Current?.Id;
            alerts.AddRange(routing.Targets.Select(target => new NewAlert(
                messageId,
                target,
                AlertPlanner.FoldKeyOf(occurrence),
                AlertContent.LastSeenOf(occurrence),
                occurrence,
                traceParent)));
        }

        try
        {
            var added = await store.AddAsync(alerts, now, context.CancellationToken);
            // Counted once written: a batch retried while PostgreSQL is away is counted once.
            routings.ForEach(metrics.Routed);
            metrics.Duplicates(alerts.Count - added);
        }
        catch (Exception ex) when (DatabaseUnavailableException.Recognizes(ex))
        {
            metrics.WriteFailed("database_unavailable");
            throw new DatabaseUnavailableException(ex);
        }
    }
}

/// <summary>
/// How the notifier consumes: batches (a burst is written in a few statements), PostgreSQL
/// outages retried until it is back, and single-active-consumer on the queue, so of several
/// replicas one consumes at a time.
/// </summary>
public sealed class KubeEventObservedConsumerDefinition : ConsumerDefinition<KubeEventObservedConsumer>
{
    private const int BatchLimit = 100;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<KubeEventObservedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        consumerConfigurator.RetryWhileDatabaseUnavailable(TimeSpan.FromSeconds(30));
        consumerConfigurator.Options<BatchOptions>(b => b
            .SetMessageLimit(BatchLimit)
            .SetTimeLimit(TimeSpan.FromMilliseconds(200))
            .SetConcurrencyLimit(1));

        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SingleActiveConsumer = true;
            rabbit.PrefetchCount = Math.Max(rabbit.PrefetchCount, BatchLimit);
        }
    }
}
