using System.Diagnostics;
using System.Text.Json;
using Eventer.Collector.Leadership;
using Eventer.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Outbox;

/// <summary>
/// Publishes unsent outbox rows in the order they were written, each under its deterministic
/// MessageId and inside the trace of its observation, with up to <see cref="OutboxOptions.PublishWindow"/>
/// publishes awaiting the broker's confirm at once; the confirmed rows of a round are marked sent in
/// one statement. Every publish is <c>mandatory</c>: a message no queue takes comes back, its row
/// stays unsent and is tried again with back-off, so services may start in any order.
/// RabbitMQ down means rows wait; PostgreSQL down between a confirm and its mark means the mark
/// waits (the row is not published again); a crash in that moment republishes up to one round's
/// rows under their MessageIds, which every consumer deduplicates. On shutdown it drains what is
/// left, within the stop timeout.
/// </summary>
public sealed class OutboxRelay(
    OutboxStore store,
    IBus bus,
    LeaderGate gate,
    OutboxSignal signal,
    CollectorStatus status,
    CollectorMetrics metrics,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const string Part = "relay";

    /// <summary>The exchange MassTransit publishes <see cref="KubeEventObserved"/> to; every consumer's queue is bound to it.</summary>
    public const string Exchange = "Eventer.Contracts:KubeEventObserved";

    private static readonly IReadOnlyList<UnsentOccurrence> NoRows = [];

    private readonly OutboxOptions _options = options.Value;

    // Confirmed by the broker, not yet marked sent (PostgreSQL failed in between). Only the relay's
    // one loop touches it.
    private readonly List<long> _confirmedUnmarked = [];

    // Set while the broker returns what is published (no queue is bound to the exchange): then
    // each round publishes one row, as a probe, instead of a whole window that would come back.
    private bool _unroutable;

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
                var published = await PublishPendingAsync(stoppingToken);
                if (published.Returned > 0)
                {
                    await backoff.PauseAsync(stoppingToken);
                    continue;
                }

                status.Working(Part);
                backoff.Reset();
                await signal.WaitAsync(_options.RelayPollInterval, stoppingToken);
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
            await PublishPendingAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Outbox not drained at shutdown ({Error}); the remaining rows are published after the next start", ex.GetType().Name);
        }
    }

    /// <summary>
    /// Publishes unsent rows round by round until none is left, the broker returns them (no queue
    /// is bound) or <paramref name="cancellationToken"/> fires. Each round's rows are published
    /// with up to <see cref="OutboxOptions.PublishWindow"/> awaiting their confirms while the next
    /// round is read, and its confirmed rows are marked sent in one statement. Throws the first
    /// publish failure after marking what was confirmed.
    /// </summary>
    public async Task<RelayRound> PublishPendingAsync(CancellationToken cancellationToken)
    {
        // Rows the broker confirmed while PostgreSQL could not take their mark: marked first, so
        // they are not read as unsent and published again.
        await MarkConfirmedAsync();

        // While the broker returns everything, one row a round is enough to learn when a queue appears.
        var limit = _unroutable ? 1 : _options.RelayBatchSize;
        var total = new RelayRound(0, 0, 0);
        var next = store.ReadUnsentAsync(0, limit, cancellationToken);
        while (true)
        {
            var rows = await next;
            var more = rows.Count == limit && !_unroutable;

            // Read ahead while this round is in flight: only rows after it, so none is read twice.
            // Once caught up, the next call reads from the start again, which also finds a row a
            // slow writer committed behind the others.
            next = more ? store.ReadUnsentAsync(rows[^1].Id, limit, cancellationToken) : Task.FromResult(NoRows);
            RelayRound round;
            try
            {
                round = await PublishRoundAsync(rows, cancellationToken);
            }
            catch
            {
                await IgnoreAsync(next);
                throw;
            }

            total = total with { Read = total.Read + round.Read, Published = total.Published + round.Published, Returned = total.Returned + round.Returned };
            if (!more || round.Returned > 0 || round.Published < rows.Count || cancellationToken.IsCancellationRequested)
            {
                await IgnoreAsync(next);
                return total;
            }
        }
    }

    private static async Task IgnoreAsync(Task readAhead)
    {
        try
        {
            await readAhead;
        }
        catch (Exception)
        {
            // A read-ahead nobody needs any more: its rows are read again next time.
        }
    }

    private async Task<RelayRound> PublishRoundAsync(IReadOnlyList<UnsentOccurrence> rows, CancellationToken cancellationToken)
    {
        var outcomes = await PublishAllAsync(rows, cancellationToken);
        var confirmed = outcomes.Where(o => o.Confirmed).Select(o => o.RowId).ToList();
        _confirmedUnmarked.AddRange(confirmed);
        metrics.Published(confirmed.Count);
        await MarkConfirmedAsync();

        var returned = outcomes.Count(o => o.Returned);
        metrics.Returned(returned);
        NoteRoutability(confirmed.Count, returned);
        if (outcomes.FirstOrDefault(o => o.Failure is not null)?.Failure is { } failure)
        {
            throw failure;
        }

        return new RelayRound(rows.Count, confirmed.Count, returned);
    }

    /// <summary>
    /// Publishes <paramref name="rows"/> in order with a bounded number awaiting their confirms.
    /// Stopping (or losing leadership) ends the round between publishes, never inside one: a
    /// publish abandoned after the broker took it would come again with the drain.
    /// </summary>
    private async Task<PublishOutcome[]> PublishAllAsync(IReadOnlyList<UnsentOccurrence> rows, CancellationToken cancellationToken)
    {
        using var window = new SemaphoreSlim(_options.PublishWindow);
        var publishes = new List<Task<PublishOutcome>>(rows.Count);
        foreach (var row in rows)
        {
            try
            {
                await window.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            publishes.Add(PublishOneAsync(row, window));
        }

        return await Task.WhenAll(publishes);
    }

    private async Task<PublishOutcome> PublishOneAsync(UnsentOccurrence row, SemaphoreSlim window)
    {
        try
        {
            await PublishAsync(row);
            return new PublishOutcome(row.Id, Confirmed: true, Returned: false, null);
        }
        catch (MessageReturnedException)
        {
            return new PublishOutcome(row.Id, Confirmed: false, Returned: true, null);
        }
        catch (Exception ex)
        {
            return new PublishOutcome(row.Id, Confirmed: false, Returned: false, ex);
        }
        finally
        {
            window.Release();
        }
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
            await bus.Publish(message, context =>
            {
                context.MessageId = row.MessageId;

                // A message no queue takes must come back instead of being confirmed and dropped.
                if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit))
                {
                    rabbit.Mandatory = true;
                }
            }, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"RabbitMQ did not confirm a publish within {_options.PublishTimeout.TotalSeconds:0} s");
        }
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

    /// <summary>
    /// Says once when publishing turns unroutable, and once when it recovers, never per row. Only a
    /// round that returned everything, or confirmed something, tells which it is.
    /// </summary>
    private void NoteRoutability(int confirmed, int returned)
    {
        var unroutable = returned > 0 && confirmed == 0;
        if (unroutable == _unroutable || (!unroutable && confirmed == 0))
        {
            return;
        }

        _unroutable = unroutable;
        metrics.Unroutable = unroutable;
        if (unroutable)
        {
            status.Failing(Part, $"no queue is bound to the exchange {Exchange}; occurrences wait in the outbox");
            logger.LogWarning("No queue is bound to the exchange {Exchange}: RabbitMQ returns what is published, so occurrences wait in the outbox "
                + "until a consumer declares its queue (start the archive or another consumer)", Exchange);
        }
        else
        {
            logger.LogInformation("A queue is bound to the exchange {Exchange}; publishing the occurrences that waited", Exchange);
        }
    }

    private sealed record PublishOutcome(long RowId, bool Confirmed, bool Returned, Exception? Failure);
}

/// <summary>What one relay round did: rows read, published and confirmed, and returned by the broker for want of a queue.</summary>
public sealed record RelayRound(int Read, int Published, int Returned);
