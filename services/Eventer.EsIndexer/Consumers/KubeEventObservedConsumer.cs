using System.Diagnostics;
using Eventer.Contracts;
using Eventer.EsIndexer.Indexing;
using Eventer.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Eventer.EsIndexer.Consumers;

/// <summary>
/// Indexes occurrences a batch at a time, each once however often RabbitMQ delivers it (the
/// document id is its occurrence key). A message with no occurrence key, or one not even the
/// dead-letter index takes, goes to <c>es-indexer_error</c> alone; while Elasticsearch cannot
/// take the batch, it stays in RabbitMQ.
/// </summary>
public sealed class KubeEventObservedConsumer(IndexSetup setup, BulkIndexer indexer, EsIndexerMetrics metrics, ILogger<KubeEventObservedConsumer> logger)
    : IConsumer<Batch<KubeEventObserved>>
{
    private static readonly string[] TraceHeaders = ["traceparent", "MT-Activity-Id"];

    public async Task Consume(ConsumeContext<Batch<KubeEventObserved>> context)
    {
        await setup.EnsureAsync(context.CancellationToken);

        var indexable = new List<ConsumeContext<KubeEventObserved>>(context.Message.Length);
        foreach (var item in context.Message)
        {
            if (OccurrenceChecks.MissingKey(item.Message) is { } reason)
            {
                await SetAsideAsync(context, item, reason);
            }
            else
            {
                indexable.Add(item);
            }
        }

        var unindexable = await indexer.IndexAsync([.. indexable.Select(i => (i.Message, TraceOf(i)))], context.CancellationToken);
        foreach (var (message, reason) in unindexable)
        {
            await SetAsideAsync(context, indexable.First(i => ReferenceEquals(i.Message, message)), reason);
        }
    }

    /// <summary>
    /// The trace a message was published in. A batch is consumed outside any one message's trace,
    /// so each carries its own: the W3C <c>traceparent</c> MassTransit (or the collector's relay) sent.
    /// </summary>
    private static ActivityContext TraceOf(ConsumeContext item)
    {
        foreach (var header in TraceHeaders)
        {
            if (item.Headers.Get<string>(header) is { } value && ActivityContext.TryParse(value, null, out var trace))
            {
                return trace;
            }
        }

        return default;
    }

    private async Task SetAsideAsync(ConsumeContext context, ConsumeContext<KubeEventObserved> item, string reason)
    {
        var queue = await context.SetAsideAsync(item, reason);
        metrics.Rejected();
        logger.LogWarning("Occurrence {Occurrence} of {EventUid} in {Namespace} set aside in {Queue}: {Reason}",
            item.Message.Occurrence, item.Message.EventUid, item.Message.EventNamespace, queue, reason);
    }
}

/// <summary>How the es-indexer consumes: batches from <see cref="EsIndexerOptions"/>, retried while Elasticsearch cannot take them.</summary>
public sealed class KubeEventObservedConsumerDefinition(IOptions<EsIndexerOptions> options) : ConsumerDefinition<KubeEventObservedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<KubeEventObservedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        var settings = options.Value;

        // Elasticsearch away or refusing is no reason to give messages up: the batch stays
        // unacknowledged, the broker's, until it is back; never in es-indexer_error for it.
        consumerConfigurator.RetryWhileUnavailable<KubeEventObservedConsumer, ElasticsearchUnavailableException>(settings.MaxRetryInterval);
        consumerConfigurator.UseBatches(endpointConfigurator, settings.BatchMessageLimit, settings.BatchTimeLimit, settings.ConcurrencyLimit);
    }
}
