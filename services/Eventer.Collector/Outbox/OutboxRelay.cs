using System.Diagnostics;
using System.Text.Json;
using Eventer.Collector.Leadership;
using Eventer.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Outbox;

/// <summary>
/// Publishes unsent outbox rows in order, each under its deterministic MessageId and inside the
/// trace of its observation, waits for the broker's confirm, then marks the rows sent. RabbitMQ
/// down means rows wait; PostgreSQL down between a confirm and its mark means the mark waits (the
/// row is not published again); a crash in that moment republishes that one row, which every
/// consumer deduplicates by MessageId. On shutdown it drains what is left, within the stop timeout.
/// </summary>
public sealed class OutboxRelay(
    OutboxStore store,
    IBus bus,
    LeaderGate gate,
    OutboxSignal signal,
    CollectorStatus status,
    CollectorMetrics metrics,
    TimeProvider clock,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const string Part = "relay";

    private readonly OutboxOptions _options = options.Value;
    private DateTimeOffset _nextMeasure = DateTimeOffset.MinValue;
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    // Confirmed by the broker, not yet marked sent (PostgreSQL failed in between). Only the relay's
    // one loop touches it.
    private readonly List<long> _confirmedUnmarked = [];

    /// <summary>Only the leader relays, so two replicas never publish the same rows side by side.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => gate.RunWhileLeaderAsync(RelayAsync, stoppingToken);

    /// <summary>Publishes until <paramref name="stoppingToken"/> fires (leadership lost or stopping).</summary>
    public async Task RelayAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), _options.MaxBackoff);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await HousekeepAsync(stoppingToken);
                var published = await PublishBatchAsync(stoppingToken);
                status.Working(Part);
                backoff.Reset();
                if (published < _options.RelayBatchSize)
                {
                    await signal.WaitAsync(_options.RelayPollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                status.Failing(Part, ex.GetType().Name);
                logger.LogWarning("Publishing from the outbox failed ({Error}: {Reason}); rows wait and are retried", ex.GetType().Name, ex.Message);
                await backoff.PauseAsync(stoppingToken);
            }
        }

        status.Idle(Part);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!gate.IsLeader)
        {
            return;
        }

        // The watcher and the writer have stopped (they stop first): publish what they left.
        try
        {
            while (await PublishBatchAsync(cancellationToken) > 0)
            {
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning("Outbox not drained at shutdown ({Error}); the remaining rows are published after the next start", ex.GetType().Name);
        }
    }

    /// <summary>Publishes one batch of unsent rows in order; returns how many were published.</summary>
    public async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        // Rows the broker confirmed while PostgreSQL could not take their mark: marked first, so
        // they are not read as unsent and published again.
        await MarkConfirmedAsync();
        var rows = await store.ReadUnsentAsync(_options.RelayBatchSize, cancellationToken);
        foreach (var row in rows)
        {
            // Stopping (or losing leadership) ends the batch between rows, never inside a publish:
            // a publish abandoned after the broker took it would come again with the drain.
            cancellationToken.ThrowIfCancellationRequested();
            await PublishAsync(row);
            metrics.Published(1);

            // Marked one by one, right after its confirm: a crash can then republish at most the
            // row in flight (same MessageId, so consumers drop it), never a whole batch.
            _confirmedUnmarked.Add(row.Id);
            await MarkConfirmedAsync();
        }

        return rows.Count;
    }

    private async Task MarkConfirmedAsync()
    {
        if (_confirmedUnmarked.Count == 0)
        {
            return;
        }

        await store.MarkSentAsync([.. _confirmedUnmarked], CancellationToken.None);
        _confirmedUnmarked.Clear();
    }

    private async Task PublishAsync(UnsentOccurrence row)
    {
        var message = JsonSerializer.Deserialize<KubeEventObserved>(row.Payload)!;
        ActivityContext.TryParse(row.TraceParent, row.TraceState, out var observed);
        using var span = CollectorMetrics.ActivitySource.StartActivity("outbox publish", ActivityKind.Internal, observed);
        span?.SetTag("eventer.event_uid", message.EventUid);
        span?.SetTag("eventer.occurrence", message.Occurrence);

        using var timeout = new CancellationTokenSource(_options.PublishTimeout);
        try
        {
            await bus.Publish(message, context => context.MessageId = row.MessageId, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"RabbitMQ did not confirm a publish within {_options.PublishTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Now and then: measure the backlog for the metrics, and purge rows sent long ago.</summary>
    private async Task HousekeepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now >= _nextMeasure)
        {
            _nextMeasure = now + TimeSpan.FromSeconds(5);
            var (depth, oldest) = await store.MeasureAsync(cancellationToken);
            metrics.OutboxMeasured(depth, oldest is null ? TimeSpan.Zero : now - oldest.Value);
        }

        if (now < _nextPurge)
        {
            return;
        }

        _nextPurge = now + _options.PurgeInterval;
        int purged;
        do
        {
            purged = await store.PurgeSentAsync(now - _options.Retention, 5000, cancellationToken);
            metrics.Purged(purged);
        }
        while (purged == 5000 && !cancellationToken.IsCancellationRequested);
    }
}
