using System.Diagnostics;
using Eventer.DingTalkNotifier.Persistence;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>
/// Sends pending alerts: every <c>DispatchInterval</c>, for each robot that may be tried and has
/// budget, it plans messages (<see cref="AlertPlanner"/>), renders and sends them, and marks the
/// occurrences each accepted message represents. What DingTalk refuses stays pending: throttled
/// and failing robots back off, misconfigured ones wait for a person (and are retried rarely).
/// </summary>
/// <remarks>
/// One replica sends at a time, the holder of the dispatcher <see cref="DatabaseLease"/>: the
/// budget lives in memory, so two senders would each spend a robot's 20 a minute. Everything it
/// does while holding the lease runs with the lease's token, which fires at its local deadline,
/// and every database call is waited for at most a renew interval, so a holder cut off from
/// PostgreSQL without a reset stops sending before another replica can take over. What remains:
/// a message the holder sent just before it froze, but could not mark, is sent again by its
/// successor (one message at most: a replica marks each message before it sends the next).
/// </remarks>
public sealed class AlertDispatcher(
    AlertStore store,
    DatabaseLease lease,
    AlertRenderer renderer,
    IAlertSender sender,
    RobotStates robots,
    NotifierMetrics metrics,
    IOptions<NotifierOptions> options,
    TimeProvider clock,
    ILogger<AlertDispatcher> logger) : BackgroundService
{
    public static readonly ActivitySource Source = new(NotifierMetrics.Name);

    /// <summary>An alert that fails this often in a row for reasons other than rate limits or settings is set aside, so it cannot block its robot.</summary>
    public const int MostAttemptsPerAlert = 10;

    private const int PendingReadLimit = 5000;
    private const int ShortestText = 1000;
    private const int ForgetBatch = 10_000;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    private readonly NotifierOptions _options = options.Value;

    // Accepted by DingTalk but not yet marked sent, because PostgreSQL failed in between: marked
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
                robots.Dispatching = term is not null;
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
                robots.Dispatching = false;
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

        robots.Dispatching = false;
    }

    /// <summary>Dispatches until stopped or until the lease is lost (then returns, and the caller campaigns again).</summary>
    private async Task DispatchWhileHeldAsync(LeaseTerm term, CancellationToken stoppingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term.Lost);
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
            robots.Dispatching = false;
            logger.LogWarning("Stopped dispatching alerts: the dispatcher lease could not be renewed in time; another replica may take over");
        }
    }

    /// <summary>One round over all robots (marks left over by a failure were written before the lease was taken).</summary>
    private async Task DispatchOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var robot in robots.All)
        {
            var now = clock.GetUtcNow();
            var budget = robot.Budget.Available(now);
            if (!robot.MayTry(now) || budget == 0)
            {
                continue;
            }

            var pending = await DatabaseAsync(store.PendingAsync(robot.Name, PendingReadLimit, CancellationToken.None), cancellationToken);
            var plan = AlertPlanner.Plan(pending, budget, now, _options.MaxAge, _options.FoldWindow, robot.LastAlerted);
            foreach (var alert in plan)
            {
                if (!await DeliverAsync(robot, alert, cancellationToken))
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
    /// run or another replica — DingTalk counts those too), and alerts for robots no longer
    /// configured are named, since nothing will send them.
    /// </summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var sends in (await DatabaseAsync(store.RecentSendsAsync(now - RateBudget.Window, CancellationToken.None), cancellationToken)).GroupBy(s => s.Robot))
        {
            if (robots.Find(sends.Key) is { } robot)
            {
                robot.Budget.Remember(sends.Select(s => s.SentAt));
            }
        }

        foreach (var (robot, count) in await DatabaseAsync(store.PendingCountsAsync(CancellationToken.None), cancellationToken))
        {
            if (robots.Find(robot) is null)
            {
                logger.LogWarning("{Count} alerts wait for robot {Robot}, which is no longer configured; they are not sent", count, robot);
            }
        }
    }

    /// <returns>False when the robot should not be tried again this round.</returns>
    private async Task<bool> DeliverAsync(RobotState robot, PlannedAlert alert, CancellationToken cancellationToken)
    {
        var settings = _options.Robots[robot.Name];
        using var activity = StartActivity(robot.Name, alert);
        var maxBytes = _options.MaxMessageBytes;
        while (true)
        {
            var rendered = renderer.Render(alert, settings, maxBytes);
            var result = await sender.SendAsync(robot.Name, settings, rendered, cancellationToken);
            var now = clock.GetUtcNow();
            // Counted when the answer is in, so never earlier than DingTalk counted it; failures too,
            // because DingTalk may have counted them.
            robot.Budget.Spend(now);
            activity?.SetTag("dingtalk.errcode", result.Code);
            if (result.Outcome != SendOutcome.Sent)
            {
                activity?.SetStatus(ActivityStatusCode.Error, result.Detail);
            }

            switch (result.Outcome)
            {
                case SendOutcome.Sent:
                    await AcceptedAsync(robot, alert, alert.Disposition, now);
                    robot.Succeeded();
                    metrics.Sent(robot.Name, alert);
                    return true;

                case SendOutcome.TooLong when maxBytes / 2 >= ShortestText:
                    metrics.Failed(robot.Name, result.Code);
                    maxBytes /= 2;
                    if (robot.Budget.Available(now) == 0)
                    {
                        return false; // planned again, shorter, when the budget allows
                    }

                    continue;

                case SendOutcome.RateLimited:
                    metrics.Throttled(robot.Name);
                    robot.RateLimited(now, _options.ThrottleBackoff, result.Detail);
                    logger.LogWarning("Robot {Robot} is rate-limited by DingTalk ({Detail}); {Pending} alerts wait, next try at {RetryAt}",
                        robot.Name, result.Detail, alert.Alerts.Count, robot.RetryAt);
                    return false;

                case SendOutcome.Misconfigured:
                    metrics.Failed(robot.Name, result.Code);
                    if (robot.Misconfigured(now, _options.MisconfiguredRetryInterval, result.Detail))
                    {
                        logger.LogError("Robot {Robot} is misconfigured: DingTalk refused it with {Detail}. Check its Webhook access_token, "
                            + "Secret, Keyword and IP allow-list (DingTalk:Robots:{Robot}). Alerts are kept and sent once it is fixed; "
                            + "it is tried again every {RetryInterval}",
                            robot.Name, result.Detail, robot.Name, _options.MisconfiguredRetryInterval);
                    }

                    return false;

                default:
                    metrics.Failed(robot.Name, result.Code);
                    robot.Failed(now, result.Detail);
                    if (robot.FailedAgain(alert.Alerts[0].Id) >= MostAttemptsPerAlert)
                    {
                        await SetAsideAsync(robot, alert, result, now);
                        return false;
                    }

                    logger.LogWarning("Sending to robot {Robot} failed ({Detail}); trying again at {RetryAt}", robot.Name, result.Detail, robot.RetryAt);
                    return false;
            }
        }
    }

    /// <summary>
    /// The same alert failed too often (an errcode no retry helps, a text DingTalk will not take):
    /// it leaves the queue as "failed", said once in the log, so the robot's other alerts go on.
    /// The occurrences stay in the archive.
    /// </summary>
    private async Task SetAsideAsync(RobotState robot, PlannedAlert alert, SendResult result, DateTimeOffset now)
    {
        await AcceptedAsync(robot, alert, "failed", now);
        metrics.SetAside(robot.Name, alert.Alerts.Count);
        var first = alert.Alerts[0].Event;
        logger.LogError("Gave up on a {Shape} alert for robot {Robot} ({Occurrences} occurrences, first {Reason} of {EventUid} in {Namespace}) "
            + "after {Attempts} failed attempts, the last {Detail}; the robot's other alerts go on",
            alert.Disposition, robot.Name, alert.Alerts.Count, first.Reason, first.EventUid, first.EventNamespace, MostAttemptsPerAlert, result.Detail);
    }

    private async Task AcceptedAsync(RobotState robot, PlannedAlert alert, string disposition, DateTimeOffset now)
    {
        _acceptedUnmarked.Add(([.. alert.Alerts.Select(a => a.Id)], disposition, now));
        foreach (var key in alert.Alerts.Select(a => a.FoldKey).Distinct())
        {
            robot.LastAlerted[key] = now;
        }

        ForgetFolds(robot, now);
        await MarkAcceptedAsync();
    }

    private async Task MarkAcceptedAsync()
    {
        while (_acceptedUnmarked.Count > 0)
        {
            var (ids, disposition, sentAt) = _acceptedUnmarked[0];
            // Not cancelled by stopping or by losing the lease: the mark of a message DingTalk has is
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
    private static Activity? StartActivity(string robot, PlannedAlert alert)
    {
        var contexts = alert.Alerts
            .Select(a => ActivityContext.TryParse(a.TraceParent, null, out var context) ? context : (ActivityContext?)null)
            .OfType<ActivityContext>()
            .ToList();
        var parent = contexts.Count == 1 ? contexts[0] : default;
        var links = contexts.Count > 1 ? contexts.Take(100).Select(c => new ActivityLink(c)) : null;
        var activity = Source.StartActivity("dingtalk send", ActivityKind.Client, parent, links: links);
        activity?.SetTag("dingtalk.robot", robot);
        activity?.SetTag("dingtalk.shape", alert.Disposition);
        activity?.SetTag("dingtalk.occurrences", alert.Alerts.Count);
        return activity;
    }

    private void ForgetFolds(RobotState robot, DateTimeOffset now)
    {
        foreach (var key in robot.LastAlerted.Where(k => k.Value + _options.FoldWindow <= now).Select(k => k.Key).ToList())
        {
            robot.LastAlerted.Remove(key);
        }
    }

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
