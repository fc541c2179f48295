using System.Diagnostics;
using Eventer.Archive.Persistence;
using Eventer.Contracts;
using Eventer.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Eventer.Archive.Consumers;

/// <summary>
/// Archives occurrences a batch at a time, in one statement, once each however often RabbitMQ
/// delivers them. A message that can never be stored goes to <c>archive_error</c> alone, with its
/// reason; the rest of its batch is stored.
/// </summary>
public sealed class KubeEventObservedConsumer(OccurrenceStore store, ArchiveMetrics metrics, ILogger<KubeEventObservedConsumer> logger)
    : IConsumer<Batch<KubeEventObserved>>
{
    public async Task Consume(ConsumeContext<Batch<KubeEventObserved>> context)
    {
        try
        {
            await StoreAsync(context);
        }
        catch (Exception ex) when (DatabaseUnavailableException.Recognizes(ex))
        {
            metrics.WriteFailed("database_unavailable");
            throw new DatabaseUnavailableException(ex);
        }
    }

    private async Task StoreAsync(ConsumeContext<Batch<KubeEventObserved>> context)
    {
        var storable = new List<ConsumeContext<KubeEventObserved>>(context.Message.Length);
        foreach (var item in context.Message)
        {
            if (OccurrenceChecks.MissingKey(item.Message) is { } reason)
            {
                await RejectAsync(context, item, reason);
            }
            else
            {
                storable.Add(item);
            }
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            Count(await store.StoreBatchAsync([.. storable.Select(i => i.Message)], context.CancellationToken), storable.Count);
        }
        catch (PostgresException ex) when (IsUnstorable(ex))
        {
            // One bad row fails the whole statement: write them one by one, so only it is set aside.
            foreach (var item in storable)
            {
                try
                {
                    Count(await store.StoreBatchAsync([item.Message], context.CancellationToken), 1);
                }
                catch (PostgresException single) when (IsUnstorable(single))
                {
                    await RejectAsync(context, item, $"cannot be stored: {single.SqlState} {single.MessageText}");
                }
            }
        }

        metrics.BatchWritten(context.Message.Length, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>A data exception (class 22) or an integrity violation (class 23): the row itself is wrong, retrying will not help.</summary>
    private static bool IsUnstorable(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    private void Count(IReadOnlySet<string> inserted, int written)
    {
        metrics.Stored(inserted.Count);
        metrics.DuplicatesSkipped(written - inserted.Count);
    }

    private async Task RejectAsync(ConsumeContext context, ConsumeContext<KubeEventObserved> item, string reason)
    {
        var queue = await context.SetAsideAsync(item, reason);
        metrics.Rejected();
        logger.LogWarning("Occurrence {Occurrence} of {EventUid} in {Namespace} set aside in {Queue}: {Reason}",
            item.Message.Occurrence, item.Message.EventUid, item.Message.EventNamespace, queue, reason);
    }
}

/// <summary>How the archive consumes: batches from <see cref="ArchiveBatchOptions"/>; retry and kill switch come from the bus defaults.</summary>
public sealed class KubeEventObservedConsumerDefinition(IOptions<ArchiveBatchOptions> options) : ConsumerDefinition<KubeEventObservedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<KubeEventObservedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        var batch = options.Value;

        // PostgreSQL away is no reason to give messages up: the batch is retried, unacknowledged
        // (so it stays the broker's), until the database is back or the service stops — never
        // into archive_error. Readiness shows the database down meanwhile.
        consumerConfigurator.RetryWhileDatabaseUnavailable(batch.MaxDatabaseRetryInterval);
        consumerConfigurator.UseBatches(endpointConfigurator, batch.MessageLimit, batch.TimeLimit, batch.ConcurrencyLimit);
    }
}
