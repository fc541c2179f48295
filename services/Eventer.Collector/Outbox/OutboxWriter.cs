using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Eventer.Contracts;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Outbox;

/// <summary>
/// The watcher's sink: occurrences go into a bounded buffer and from there, in batches, into the
/// outbox table (<c>ON CONFLICT DO NOTHING</c> on the occurrence key). While PostgreSQL is down
/// the batch is retried with backoff, the buffer fills and <see cref="AcceptAsync"/> waits — so
/// the watch stops reading and memory stays bounded. On shutdown the buffer is flushed.
/// </summary>
public sealed class OutboxWriter(
    OutboxStore store,
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
        var pending = new PendingOccurrence(key, OccurrenceKey.MessageIdFor(key), JsonSerializer.Serialize(occurrence),
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
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), _options.MaxBackoff);
        while (true)
        {
            try
            {
                var inserted = await store.InsertAsync(batch, cancellationToken);
                metrics.Stored(inserted);
                metrics.Deduplicated("outbox", batch.Count - inserted);
                status.Working(Part);
                signal.Notify();
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                status.Failing(Part, ex.GetType().Name);
                logger.LogWarning("Writing {Count} occurrence(s) to the outbox failed ({Error}: {Reason}); retrying, the watch waits meanwhile",
                    batch.Count, ex.GetType().Name, ex.Message);
                await backoff.PauseAsync(cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }
}
