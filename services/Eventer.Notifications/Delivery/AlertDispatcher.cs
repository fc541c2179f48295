using Eventer.Notifications;
using System.Diagnostics;
using Eventer.Notifications.Persistence;
using Eventer.ServiceDefaults;

namespace Eventer.Notifications.Delivery;

/// <summary>
/// Sends pending alerts: every <c>DispatchInterval</c>, for each target that may be tried and has
/// budget, it plans messages (<see cref="AlertPlanner"/>), has the sink render and send them, and
/// marks the occurrences each accepted message represents. What the platform refuses stays
/// pending: throttled and failing targets back off, misconfigured ones wait for a person (and are
/// retried rarely).
/// </summary>
/// <remarks>
/// One replica sends at a time, the holder of the dispatcher <see cref="DatabaseLease"/>: the
/// budget lives in memory, so two senders would each spend a target's budget. Everything it
/// does while holding the lease runs with the lease's token, which fires at its local deadline,
/// and every database call is waited for at most a renew interval, so a holder cut off from
/// PostgreSQL without a reset stops sending before another replica can take over. What remains:
/// a message the holder sent just before it froze, but could not mark, is sent again by its
/// successor (one message at most: a replica marks each message before it sends the next).
/// </remarks>
public sealed class AlertDispatcher(
    AlertStore store,
    DatabaseLease lease,
    IAlertSender sender,
    TargetStates targets,
    DeliveryMetrics metrics,
    DeliveryOptions options,
    TimeProvider clock,
    ILogger<AlertDispatcher> logger) : BackgroundService
{
    /// <summary>An alert that fails this often in a row for reasons other than rate limits or settings is set aside, so it cannot block its target.</summary>
    public const int MostAttemptsPerAlert = 10;

    /// <summary>The most pending alerts a round reads for one target: a summary represents at most these.</summary>
    public const int PendingReadLimit = 5000;
    private const int ShortestText = 1000;
    private const int ForgetBatch = 10_000;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    private readonly DeliveryOptions _options = options;
    private readonly DeliveryVocabulary _words = options.Words();

    // Accepted by the platform but not yet marked sent, because PostgreSQL failed in between: marked
    // before anything is read again, so they are never sent twice. Only the dispatch loop touches it.
    private readonly List<(long[] Ids, string Disposition, DateTimeOffset SentAt)> _acceptedUnmarked = [];
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = lease.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // First, whether or not this replica will dispatch: another one must not send these again.
                await MarkAcceptedAsync();
                await using var term = await lease.TryAcquireAsync(stoppingToken);
                targets.Dispatching = term is not null;
                if (term is null)
                {
                    await Task.Delay(pause, clock, stoppingToken);
                    continue;
                }

                logger.LogInformation("Dispatching alerts as {Holder}", lease.Holder);
                await DispatchWhileHeldAsync(term, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                targets.Dispatching = false;
                if (DatabaseUnavailableException.Recognizes(ex))
                {
                    // Alerts wait in the table (new ones in the queue) until PostgreSQL is back.
                    logger.LogWarning("Dispatching alerts paused: PostgreSQL is unavailable ({Error}: {Reason}); trying again in {Delay}",
                        ex.GetType().Name, ex.Message, pause);
                }
                else
                {
                    logger.LogError(ex, "Dispatching alerts failed; trying again in {Delay}", pause);
                }

                await Task.Delay(pause, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        targets.Dispatching = false;
    }

    /// <summary>Dispatches until stopped or until the lease is lost (then returns, and the caller campaigns again).</summary>
    private async Task DispatchWhileHeldAsync(LeaseTerm term, CancellationToken stoppingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term.Lost);
        // This replica stops dispatching at the lease's local deadline, so it says so from then on: the
        // loop may notice a moment later, and letting the lease go after it may wait on PostgreSQL.
        using var lost = term.Lost.Register(() => targets.Dispatching = false);
        try
        {
            await TakeOverAsync(held.Token);
            while (true)
            {
                await DispatchOnceAsync(held.Token);
                await Task.Delay(_options.DispatchInterval, clock, held.Token);
            }
        }
        catch (OperationCanceledException) when (term.Lost.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Stopped dispatching alerts: the dispatcher lease could not be renewed in time; another replica may take over");
        }
        finally
        {
            // Whatever ended the loop (a database failure too), not only once the term is disposed.
            targets.Dispatching = false;
        }
    }

    /// <summary>One round over all targets (marks left over by a failure were written before the lease was taken).</summary>
    private async Task DispatchOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var target in targets.All)
        {
            var now = clock.GetUtcNow();
            var budget = target.Budget.Available(now);
            if (!target.MayTry(now) || budget == 0)
            {
                continue;
            }

            var pending = await DatabaseAsync(store.PendingAsync(target.Name, PendingReadLimit, CancellationToken.None), cancellationToken);
            var plan = AlertPlanner.Plan(pending, budget, now, _options.MaxAge, _options.FoldWindow, target.LastAlerted);
            foreach (var alert in plan)
            {
                if (!await DeliverAsync(target, alert, cancellationToken))
                {
                    break;
                }
            }
        }

        metrics.Pending(await DatabaseAsync(store.PendingCountsAsync(CancellationToken.None), cancellationToken));
        await ForgetOldAsync(cancellationToken);
        metrics.RoundCompleted();
    }

    /// <summary>
    /// On taking the lease: the budget remembers what was sent in the last minute (by a previous
    /// run or another replica — the platform counts those too), and alerts for targets no longer
    /// configured are named, since nothing will send them.
    /// </summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var sends in (await DatabaseAsync(store.RecentSendsAsync(now - RateBudget.Window, CancellationToken.None), cancellationToken)).GroupBy(s => s.Target))
        {
            if (targets.Find(sends.Key) is { } target)
            {
                target.Budget.Remember(sends.Select(s => s.SentAt));
            }
        }

        foreach (var (target, count) in await DatabaseAsync(store.PendingCountsAsync(CancellationToken.None), cancellationToken))
        {
            if (targets.Find(target) is null)
            {
                logger.LogWarning("{Count} alerts wait for {Noun} {Target}, which is no longer configured; they are not sent", count, _words.Target, target);
            }
        }
    }

    /// <returns>False when the target should not be tried again this round.</returns>
    private async Task<bool> DeliverAsync(TargetState target, PlannedAlert alert, CancellationToken cancellationToken)
    {
        var settings = _options.TargetSettings()[target.Name];
        alert = await WithWholeEventAsync(alert, cancellationToken);
        using var activity = StartActivity(target.Name, alert);
        var maxBytes = sender.MaxMessageBytes(target.Name);
        while (true)
        {
            // A platform that counts seconds too (Feishu 5/s, Slack 1/s) gets its sends spaced out.
            if (target.Budget.PaceDelay(clock.GetUtcNow()) is var pause && pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, clock, cancellationToken);
            }

            var result = await sender.SendAsync(target.Name, alert, maxBytes, cancellationToken);
            var now = clock.GetUtcNow();
            // Counted when the answer is in, so never earlier than the platform counted it; failures
            // too, because the platform may have counted them.
            target.Budget.Spend(now);
            activity?.SetTag(metrics.Prefix + ".errcode", result.Code);
            if (result.Outcome != SendOutcome.Sent)
            {
                activity?.SetStatus(ActivityStatusCode.Error, result.Detail);
            }

            switch (result.Outcome)
            {
                case SendOutcome.Sent:
                    await AcceptedAsync(target, alert, alert.Disposition, now);
                    target.Succeeded();
                    metrics.Sent(target.Name, alert);
                    return true;

                case SendOutcome.TooLong when maxBytes / 2 >= ShortestText:
                    metrics.Failed(target.Name, result.Code);
                    maxBytes /= 2;
                    if (target.Budget.Available(now) == 0)
                    {
                        return false; // planned again, shorter, when the budget allows
                    }

                    continue;

                case SendOutcome.Rejected:
                    metrics.Failed(target.Name, result.Code);
                    target.Succeeded(); // the target works; this message does not
                    await SetAsideAsync(target, alert, result, now, attempts: 1);
                    return true;

                case SendOutcome.RateLimited:
                    metrics.Throttled(target.Name);
                    target.RateLimited(now, _options.ThrottleBackoff, result.RetryAfter, result.Detail);
                    logger.LogWarning("{Noun} {Target} is rate-limited by {Platform} ({Detail}); {Pending} alerts wait, next try at {RetryAt}",
                        Capitalized(_words.Target), target.Name, settings.Platform(), result.Detail, alert.Alerts.Count, target.RetryAt);
                    return false;

                case SendOutcome.Misconfigured:
                    metrics.Failed(target.Name, result.Code);
                    if (target.Misconfigured(now, _options.MisconfiguredRetryInterval, result.Detail))
                    {
                        logger.LogError("{Noun} {Target} is misconfigured: {Platform} refused it with {Detail}. {Hint} ({Section}:{TargetsKey}:{Target}). "
                            + "Alerts are kept and sent once it is fixed; it is tried again every {RetryInterval}",
                            Capitalized(_words.Target), target.Name, settings.Platform(), result.Detail, settings.MisconfiguredHint(),
                            _words.Section, _words.TargetsKey, target.Name, _options.MisconfiguredRetryInterval);
                    }

                    return false;

                default:
                    metrics.Failed(target.Name, result.Code);
                    target.Failed(now, result.Detail);
                    if (target.FailedAgain(alert.Alerts[0].Id) >= MostAttemptsPerAlert)
                    {
                        await SetAsideAsync(target, alert, result, now);
                        return false;
                    }

                    logger.LogWarning("Sending to {Noun} {Target} failed ({Detail}); trying again at {RetryAt}", _words.Target, target.Name, result.Detail, target.RetryAt);
                    return false;
            }
        }
    }

    /// <summary>
    /// A single or folded alert shows its latest occurrence's whole event, which the round read only
    /// as its summary view (see <see cref="AlertStore.PendingAsync"/>): it is read now, one message at a time.
    /// </summary>
    private async Task<PlannedAlert> WithWholeEventAsync(PlannedAlert alert, CancellationToken cancellationToken)
    {
        if (alert.Shape is not (AlertShape.Single or AlertShape.Folded))
        {
            return alert;
        }

        var latest = alert.Latest;
        // Pending rows are only ever marked, never deleted, so the row is there; were it not, the
        // summary view still makes a readable alert.
        var whole = await DatabaseAsync(store.EventAsync(latest.Id, CancellationToken.None), cancellationToken);
        return whole is null ? alert : alert with { Alerts = [.. alert.Alerts.Select(a => a.Id == latest.Id ? a with { Event = whole } : a)] };
    }

    /// <summary>
    /// The same alert failed too often (a code no retry helps, a text the platform will not take), or
    /// the platform refused its content outright:
    /// it leaves the queue as "failed", said once in the log, so the target's other alerts go on.
    /// The occurrences stay in the archive.
    /// </summary>
    private async Task SetAsideAsync(TargetState target, PlannedAlert alert, SendResult result, DateTimeOffset now, int attempts = MostAttemptsPerAlert)
    {
        await AcceptedAsync(target, alert, "failed", now);
        metrics.SetAside(target.Name, alert.Alerts.Count);
        var first = alert.Alerts[0].Event;
        logger.LogError("Gave up on a {Shape} alert for {Noun} {Target} ({Occurrences} occurrences, first {Reason} of {EventUid} in {Namespace}) "
            + "after {Attempts} failed attempts, the last {Detail}; the {Noun2}'s other alerts go on",
            alert.Disposition, _words.Target, target.Name, alert.Alerts.Count, first.Reason, first.EventUid, first.EventNamespace, attempts, result.Detail,
            _words.Target);
    }

    private async Task AcceptedAsync(TargetState target, PlannedAlert alert, string disposition, DateTimeOffset now)
    {
        _acceptedUnmarked.Add(([.. alert.Alerts.Select(a => a.Id)], disposition, now));
        foreach (var key in alert.Alerts.Select(a => a.FoldKey).Distinct())
        {
            target.LastAlerted[key] = now;
        }

        ForgetFolds(target, now);
        await MarkAcceptedAsync();
    }

    private async Task MarkAcceptedAsync()
    {
        while (_acceptedUnmarked.Count > 0)
        {
            var (ids, disposition, sentAt) = _acceptedUnmarked[0];
            // Not cancelled by stopping or by losing the lease: the mark of a message the platform has is
            // worth the moment (it spares a second copy); only bounded.
            await DatabaseAsync(store.MarkSentAsync(ids, disposition, sentAt, CancellationToken.None), CancellationToken.None);
            _acceptedUnmarked.RemoveAt(0);
        }
    }

    /// <summary>Waits for a database call as long as the lease allows one to take (see <see cref="DatabaseCalls"/>).</summary>
    private Task<T> DatabaseAsync<T>(Task<T> call, CancellationToken cancellationToken) =>
        call.WithinAsync(lease.RenewInterval, clock, cancellationToken);

    private Task DatabaseAsync(Task call, CancellationToken cancellationToken) =>
        call.WithinAsync(lease.RenewInterval, clock, cancellationToken);

    /// <summary>
    /// A message about one occurrence continues that occurrence's trace; one standing for several
    /// links to each of theirs.
    /// </summary>
    private Activity? StartActivity(string target, PlannedAlert alert)
    {
        var contexts = alert.Alerts
            .Select(a => ActivityContext.TryParse(a.TraceParent, null, out var context) ? context : (ActivityContext?)null)
            .OfType<ActivityContext>()
            .ToList();
        var parent = contexts.Count == 1 ? contexts[0] : default;
        var links = contexts.Count > 1 ? contexts.Take(100).Select(c => new ActivityLink(c)) : null;
        var activity = metrics.Source.StartActivity(metrics.Prefix + " send", ActivityKind.Client, parent, links: links);
        activity?.SetTag($"{metrics.Prefix}.{_words.Target}", target);
        activity?.SetTag(metrics.Prefix + ".shape", alert.Disposition);
        activity?.SetTag(metrics.Prefix + ".occurrences", alert.Alerts.Count);
        return activity;
    }

    private void ForgetFolds(TargetState target, DateTimeOffset now)
    {
        foreach (var key in target.LastAlerted.Where(k => k.Value + _options.FoldWindow <= now).Select(k => k.Key).ToList())
        {
            target.LastAlerted.Remove(key);
        }
    }

    private static string Capitalized(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    private async Task ForgetOldAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now < _nextPurge)
        {
            return;
        }

        _nextPurge = now + PurgeInterval;
        var cutoff = now - _options.InboxRetention;
        int forgotten, total = 0;
        do
        {
            forgotten = await DatabaseAsync(store.ForgetSentBeforeAsync(cutoff, ForgetBatch, CancellationToken.None), cancellationToken);
            total += forgotten;
        }
        while (forgotten == ForgetBatch);

        if (total > 0)
        {
            logger.LogInformation("Forgot {Count} alerts sent before {Cutoff}", total, cutoff);
        }
    }
}
