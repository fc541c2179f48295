using Eventer.ServiceDefaults;
using System.Diagnostics;
using Eventer.Collector.Leadership;
using Eventer.Collector.Publishing;
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
    OccurrencePublisher publisher,
    LeaderGate gate,
    OutboxSignal signal,
    CollectorStatus status,
    CollectorMetrics metrics,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const string Part = "relay";

    private static readonly IReadOnlyList<UnsentOccurrence> NoRows = [];

    private readonly OutboxOptions _options = options.Value;

    // Confirmed by the broker, not yet marked sent (PostgreSQL failed in between). Only the relay's
    // one loop touches it.
    private readonly List<long> _confirmedUnmarked = [];

    // Once every queue of OutboxOptions.AwaitQueues has been seen, they are not asked for again.
    private bool _awaitedQueuesSeen;
    private string? _missingQueues;

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
                await publisher.EnsureConnectedAsync(stoppingToken);
                if (!await AwaitedQueuesExistAsync(stoppingToken))
                {
                    await backoff.PauseAsync(stoppingToken);
                    continue;
                }

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

        // The watcher and the writer have stopped (they stop first): publish what they left,
        // unless the queues it must wait for never appeared.
        if (!AwaitedQueuesSeen)
        {
            return;
        }

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
    /// is bound), a publish fails, or <paramref name="cancellationToken"/> fires. Up to
    /// <see cref="OutboxOptions.PublishWindow"/> publishes await their confirms at once, across
    /// rounds: the next round is read, and starts publishing, while the confirms of the previous
    /// one arrive and its rows are marked sent in one statement. Throws the first publish failure
    /// once everything in flight has settled and what was confirmed is marked.
    /// </summary>
    public async Task<RelayRound> PublishPendingAsync(CancellationToken cancellationToken)
    {
        // Rows the broker confirmed while PostgreSQL could not take their mark: marked first, so
        // they are not read as unsent and published again.
        await MarkConfirmedAsync();

        // While the broker returns everything, one row a round is enough to learn when a queue appears.
        var limit = _unroutable ? 1 : _options.RelayBatchSize;
        using var window = new SemaphoreSlim(_options.PublishWindow);
        var total = new RoundOutcome();
        var unsettled = new Queue<List<Task<PublishOutcome>>>();
        var next = store.ReadUnsentAsync(0, limit, cancellationToken);
        try
        {
            while (true)
            {
                var rows = await next;
                var more = rows.Count == limit && !_unroutable;

                // Read ahead: only rows after this round, so none is read twice. Once caught up, the
                // next call reads from the start again, which also finds a row a slow writer
                // committed behind the others.
                next = more ? store.ReadUnsentAsync(rows[^1].Id, limit, cancellationToken) : Task.FromResult(NoRows);
                total.Read += rows.Count;
                unsettled.Enqueue(await StartAsync(rows, window, cancellationToken));
                while (unsettled.Count > 1)
                {
                    await SettleAsync(unsettled.Dequeue(), total);
                }

                if (!more || total.MustStop || cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }

            while (unsettled.TryDequeue(out var publishes))
            {
                await SettleAsync(publishes, total);
            }
        }
        catch
        {
            // A read or a mark failed: what is confirmed is remembered, and marked before anything is read again.
            while (unsettled.TryDequeue(out var publishes))
            {
                await SettleAsync(publishes, total, mark: false);
            }

            throw;
        }
        finally
        {
            await IgnoreAsync(next);
        }

        return total.Failure is { } failure ? throw failure : new RelayRound(total.Read, total.Published, total.Returned);
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

    /// <summary>
    /// Starts publishing <paramref name="rows"/> in order, each once the window has room.
    /// Stopping (or losing leadership) stops starting new ones, never abandons one under way: a
    /// publish abandoned after the broker took it would come again with the drain.
    /// </summary>
    private async Task<List<Task<PublishOutcome>>> StartAsync(IReadOnlyList<UnsentOccurrence> rows, SemaphoreSlim window, CancellationToken cancellationToken)
    {
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

        return publishes;
    }

    /// <summary>Waits for <paramref name="publishes"/> to settle, counts them, and marks the confirmed rows sent.</summary>
    private async Task SettleAsync(List<Task<PublishOutcome>> publishes, RoundOutcome total, bool mark = true)
    {
        var outcomes = await Task.WhenAll(publishes);
        var confirmed = outcomes.Where(o => o.Confirmed).Select(o => o.RowId).ToList();
        _confirmedUnmarked.AddRange(confirmed);
        metrics.Published(confirmed.Count);
        var returned = outcomes.Count(o => o.Returned);
        metrics.Returned(returned);
        NoteRoutability(confirmed.Count, returned);
        total.Published += confirmed.Count;
        total.Returned += returned;
        total.Failure ??= outcomes.FirstOrDefault(o => o.Failure is not null)?.Failure;
        if (mark)
        {
            await MarkConfirmedAsync();
        }
    }

    private async Task<PublishOutcome> PublishOneAsync(UnsentOccurrence row, SemaphoreSlim window)
    {
        try
        {
            await PublishAsync(row);
            return new PublishOutcome(row.Id, Confirmed: true, Returned: false, null);
        }
        catch (UnroutableException)
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
        ActivityContext.TryParse(row.TraceParent, row.TraceState, out var observed);
        using var span = CollectorMetrics.ActivitySource.StartActivity("outbox publish", ActivityKind.Producer, observed);
        span?.SetTag("messaging.system", "rabbitmq");
        span?.SetTag("messaging.destination.name", OccurrencePublisher.Exchange);
        span?.SetTag("messaging.message.id", row.MessageId);

        // The consumers' spans continue this one; when nobody records spans, the observation's.
        var traceParent = span?.Id ?? row.TraceParent;
        using var timeout = new CancellationTokenSource(_options.PublishTimeout);
        try
        {
            await publisher.PublishAsync(row.MessageId, row.Payload, traceParent, timeout.Token);
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
    /// Until every queue of <see cref="OutboxOptions.AwaitQueues"/> exists, nothing is published;
    /// readiness, the unroutable gauge and one log line (per change) say which are missing.
    /// </summary>
    private bool AwaitedQueuesSeen => _awaitedQueuesSeen || _options.AwaitQueues.Count == 0;

    private async Task<bool> AwaitedQueuesExistAsync(CancellationToken cancellationToken)
    {
        if (AwaitedQueuesSeen)
        {
            return true;
        }

        var missing = await publisher.MissingQueuesAsync(_options.AwaitQueues, cancellationToken);
        if (missing.Count == 0)
        {
            _awaitedQueuesSeen = true;
            metrics.Unroutable = false;
            logger.LogInformation("Queue(s) {Queues} exist; publishing", string.Join(", ", _options.AwaitQueues));
            return true;
        }

        var names = string.Join(", ", missing);
        metrics.Unroutable = true;
        status.Failing(Part, $"waiting for queue(s) {names} to be declared; occurrences wait in the outbox");
        if (names != _missingQueues)
        {
            logger.LogWarning("Waiting for queue(s) {Queues} to be declared (Collector:Outbox:AwaitQueues); occurrences wait in the outbox until their consumers start", names);
            _missingQueues = names;
        }

        return false;
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
            status.Failing(Part, $"no queue is bound to the exchange {OccurrencePublisher.Exchange}; occurrences wait in the outbox");
            logger.LogWarning("No queue is bound to the exchange {Exchange}: RabbitMQ returns what is published, so occurrences wait in the outbox "
                + "until a consumer declares its queue (start the archive or another consumer)", OccurrencePublisher.Exchange);
        }
        else
        {
            logger.LogInformation("A queue is bound to the exchange {Exchange}; publishing the occurrences that waited", OccurrencePublisher.Exchange);
        }
    }

    private sealed record PublishOutcome(long RowId, bool Confirmed, bool Returned, Exception? Failure);

    private sealed class RoundOutcome
    {
        public int Read { get; set; }

        public int Published { get; set; }

        public int Returned { get; set; }

        public Exception? Failure { get; set; }

        /// <summary>Something came back or failed: reading on would only meet the same.</summary>
        public bool MustStop => Returned > 0 || Failure is not null;
    }
}

/// <summary>What one relay round did: rows read, published and confirmed, and returned by the broker for want of a queue.</summary>
public sealed record RelayRound(int Read, int Published, int Returned);
