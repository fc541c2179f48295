using Eventer.ServiceDefaults;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Eventer.Collector.Publishing;
using Eventer.Contracts;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Outbox;

/// <summary>
/// The watcher's sink: occurrences go into a bounded buffer and from there, in batches, into the
/// outbox table (<c>ON CONFLICT DO NOTHING</c> on the occurrence key). While PostgreSQL is down
/// the batch is retried with backoff, the buffer fills and <see cref="AcceptAsync"/> waits — so
/// the watch stops reading and memory stays bounded. On shutdown the buffer is flushed. A batch
/// PostgreSQL refuses for its content (see <see cref="RefusedContent"/>) is written row by row
/// instead, and each row refused on its own is set aside in <see cref="DeadLetterStore"/>: one bad
/// occurrence never holds up the others.
/// </summary>
public sealed class OutboxWriter(
    OutboxStore store,
    DeadLetterStore deadLetters,
    OutboxSignal signal,
    CollectorStatus status,
    CollectorMetrics metrics,
    IOptions<OutboxOptions> options,
    ILogger<OutboxWriter> logger) : BackgroundService, IOccurrenceSink
{
    private const string Part = "outbox";

    private readonly OutboxOptions _options = options.Value;
    private readonly Channel<PendingOccurrence> _buffer = Channel.CreateBounded<PendingOccurrence>(
        new BoundedChannelOptions(options.Value.BufferCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _abandon = new();

    public async Task AcceptAsync(KubeEventObserved occurrence, CancellationToken cancellationToken)
    {
        var key = OccurrenceKey.For(occurrence);

        // The observation span's context travels with the row, so the relay publishes under it.
        var span = Activity.Current;
        var pending = new PendingOccurrence(key, OccurrenceKey.MessageIdFor(key), OccurrenceJson.Serialize(occurrence),
            span?.Id, span?.TraceStateString, occurrence.ObservedAt);
        await _buffer.Writer.WriteAsync(pending, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Reads until the buffer is completed by StopAsync, not until stoppingToken: what was
        // accepted is written before the collector exits.
        var batch = new List<PendingOccurrence>(_options.WriteBatchSize);
        try
        {
            while (await _buffer.Reader.WaitToReadAsync(_abandon.Token))
            {
                batch.Clear();
                while (batch.Count < _options.WriteBatchSize && _buffer.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                await WriteAsync(batch, _abandon.Token);
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            logger.LogWarning("Stopped before {Count} buffered occurrence(s) reached the outbox; the next list observes them again", _buffer.Reader.Count + batch.Count);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _buffer.Writer.TryComplete();
        await using (cancellationToken.Register(_abandon.Cancel))
        {
            if (ExecuteTask is not null)
            {
                await ExecuteTask;
            }
        }

        await base.StopAsync(CancellationToken.None);
    }

    public override void Dispose()
    {
        _abandon.Dispose();
        base.Dispose();
    }

    private async Task WriteAsync(List<PendingOccurrence> batch, CancellationToken cancellationToken)
    {
        var refusal = await InsertAsync(batch, cancellationToken);
        if (refusal is null)
        {
            return;
        }

        if (batch.Count == 1)
        {
            await SetAsideAsync(batch[0], refusal, cancellationToken);
            return;
        }

        // Which row it was is unknown: each goes alone, in order, and only the refused ones are set aside.
        foreach (var occurrence in batch)
        {
            if (await InsertAsync([occurrence], cancellationToken) is { } own)
            {
                await SetAsideAsync(occurrence, own, cancellationToken);
            }
        }
    }

    /// <summary>Inserts, retrying while PostgreSQL fails; returns the refusal when it refuses the content, else null.</summary>
    private Task<RefusedContent?> InsertAsync(IReadOnlyList<PendingOccurrence> rows, CancellationToken cancellationToken) =>
        RetryAsync(async () =>
        {
            var inserted = await store.InsertAsync(rows, cancellationToken);
            metrics.Stored(inserted);
            metrics.Deduplicated("outbox", rows.Count - inserted);
            signal.Notify();
        }, rows.Count, cancellationToken);

    private async Task SetAsideAsync(PendingOccurrence occurrence, RefusedContent refusal, CancellationToken cancellationToken)
    {
        var setAside = false;
        var refusedAgain = await RetryAsync(async () => setAside = await deadLetters.SetAsideAsync(occurrence, refusal, cancellationToken), 1, cancellationToken);
        var (uid, ns) = Identify(occurrence);
        if (refusedAgain is not null)
        {
            // Not even bytea and cleaned text would do (e.g. a key over the index's size limit): drop it rather than stall.
            logger.LogError("Dropped occurrence {EventUid} in {Namespace}: PostgreSQL refused it ({SqlState}: {Reason}) and refused to set it aside ({DeadLetterSqlState}: {DeadLetterReason})",
                uid, ns, refusal.SqlState, refusal.Reason, refusedAgain.SqlState, refusedAgain.Reason);
            return;
        }

        if (setAside)
        {
            metrics.SetAside(refusal.SqlState);
            logger.LogWarning("Set aside occurrence {EventUid} in {Namespace} in collector.dead_letters: PostgreSQL refused its content ({SqlState}: {Reason})",
                uid, ns, refusal.SqlState, refusal.Reason);
        }
        else
        {
            logger.LogDebug("Occurrence {EventUid} in {Namespace} was refused again ({SqlState}) and is already set aside", uid, ns, refusal.SqlState);
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> until it succeeds (null) or PostgreSQL refuses the content (the
    /// refusal). Anything else — an outage above all — is retried with backoff while the watch waits.
    /// </summary>
    private async Task<RefusedContent?> RetryAsync(Func<Task> write, int count, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), _options.MaxBackoff);
        while (true)
        {
            try
            {
                await write();
                status.Working(Part);
                return null;
            }
            catch (Exception ex) when (RefusedContent.Of(ex) is { } refusal)
            {
                status.Working(Part); // the database answered; the content was wrong
                return refusal;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                status.Failing(Part, ex.GetType().Name);
                logger.LogWarning("Writing {Count} occurrence(s) to the outbox failed ({Error}: {Reason}); retrying, the watch waits meanwhile",
                    count, ex.GetType().Name, ex.Message);
                await backoff.PauseAsync(cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>The event's uid and namespace for the log, read from the payload (which is never logged).</summary>
    private static (string Uid, string Namespace) Identify(PendingOccurrence occurrence)
    {
        try
        {
            var read = OccurrenceJson.Deserialize(occurrence.Payload);
            return (read.EventUid, read.EventNamespace);
        }
        catch (JsonException)
        {
            return (occurrence.OccurrenceKey, "");
        }
    }
}
