using System.Diagnostics;
using Eventer.DingTalkNotifier.Persistence;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>
/// Sends pending alerts: every <c>DispatchInterval</c>, for each robot that may be tried and has
/// budget, it plans messages (<see cref="AlertPlanner"/>), renders and sends them, and marks the
/// occurrences each accepted message represents. What DingTalk refuses stays pending: throttled
/// and failing robots back off, misconfigured ones wait for a person (and are retried rarely).
/// </summary>
public sealed class AlertDispatcher(
    AlertStore store,
    DispatcherLock dispatcherLock,
    AlertRenderer renderer,
    IAlertSender sender,
    RobotStates robots,
    NotifierMetrics metrics,
    IOptions<NotifierOptions> options,
    TimeProvider clock,
    ILogger<AlertDispatcher> logger) : BackgroundService
{
    public static readonly ActivitySource Source = new(NotifierMetrics.Name);

    private const int PendingReadLimit = 5000;
    private const int ShortestText = 1000;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    private readonly NotifierOptions _options = options.Value;

    // Accepted by DingTalk but not yet marked sent, because PostgreSQL failed in between: marked
    // before anything is read again, so they are never sent twice. Only the dispatch loop touches it.
    private readonly List<(long[] Ids, string Disposition, DateTimeOffset SentAt)> _acceptedUnmarked = [];
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var lease = await dispatcherLock.TryAcquireAsync(stoppingToken);
                robots.Dispatching = lease is not null;
                if (lease is null)
                {
                    await Task.Delay(_options.DispatchInterval * 5, clock, stoppingToken);
                    continue;
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    await DispatchOnceAsync(stoppingToken);
                    await Task.Delay(_options.DispatchInterval, clock, stoppingToken);
                    await lease.EnsureHeldAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // PostgreSQL away, most likely: alerts wait in the table (or in the queue) until it is back.
                robots.Dispatching = false;
                logger.LogWarning(ex, "Dispatching alerts failed; trying again in {Delay}", _options.DispatchInterval * 5);
                await Task.Delay(_options.DispatchInterval * 5, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One round over all robots.</summary>
    public async Task DispatchOnceAsync(CancellationToken cancellationToken)
    {
        await MarkAcceptedAsync();
        foreach (var robot in robots.All)
        {
            var now = clock.GetUtcNow();
            var budget = robot.Budget.Available(now);
            if (!robot.MayTry(now) || budget == 0)
            {
                continue;
            }

            var pending = await store.PendingAsync(robot.Name, PendingReadLimit, cancellationToken);
            var plan = AlertPlanner.Plan(pending, budget, now, _options.MaxAge, _options.FoldWindow, robot.LastAlerted);
            foreach (var alert in plan)
            {
                if (!await DeliverAsync(robot, alert, cancellationToken))
                {
                    break;
                }
            }
        }

        metrics.Pending(await store.PendingCountsAsync(cancellationToken));
        await ForgetOldAsync(cancellationToken);
    }

    /// <returns>False when the robot should not be tried again this round.</returns>
    private async Task<bool> DeliverAsync(RobotState robot, PlannedAlert alert, CancellationToken cancellationToken)
    {
        var settings = _options.Robots[robot.Name];
        using var activity = StartActivity(robot.Name, alert);
        var maxBytes = _options.MaxMessageBytes;
        while (true)
        {
            var rendered = renderer.Render(alert, settings, clock.GetUtcNow(), maxBytes);
            var result = await sender.SendAsync(robot.Name, settings, rendered, cancellationToken);
            var now = clock.GetUtcNow();
            // Counted when the answer is in, so never earlier than DingTalk counted it; failures too,
            // because DingTalk may have counted them.
            robot.Budget.Spend(now);
            activity?.SetTag("dingtalk.errcode", result.Code);
            switch (result.Outcome)
            {
                case SendOutcome.Sent:
                    _acceptedUnmarked.Add(([.. alert.Alerts.Select(a => a.Id)], alert.Disposition, now));
                    foreach (var key in alert.Alerts.Select(a => a.FoldKey).Distinct())
                    {
                        robot.LastAlerted[key] = now;
                    }

                    ForgetFolds(robot, now);
                    robot.Succeeded();
                    metrics.Sent(robot.Name, alert);
                    await MarkAcceptedAsync();
                    return true;

                case SendOutcome.TooLong when maxBytes / 2 >= ShortestText:
                    metrics.Failed(robot.Name, result.Code);
                    maxBytes /= 2;
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

                    activity?.SetStatus(ActivityStatusCode.Error, result.Detail);
                    return false;

                default:
                    metrics.Failed(robot.Name, result.Code);
                    robot.Failed(now, result.Detail);
                    logger.LogWarning("Sending to robot {Robot} failed ({Detail}); trying again at {RetryAt}", robot.Name, result.Detail, robot.RetryAt);
                    activity?.SetStatus(ActivityStatusCode.Error, result.Detail);
                    return false;
            }
        }
    }

    private async Task MarkAcceptedAsync()
    {
        while (_acceptedUnmarked.Count > 0)
        {
            var (ids, disposition, sentAt) = _acceptedUnmarked[0];
            // Not cancelled by stopping: the mark of a message DingTalk has is worth the moment.
            await store.MarkSentAsync(ids, disposition, sentAt, CancellationToken.None);
            _acceptedUnmarked.RemoveAt(0);
        }
    }

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
        var forgotten = await store.ForgetSentBeforeAsync(now - _options.InboxRetention, 10_000, cancellationToken);
        if (forgotten > 0)
        {
            logger.LogInformation("Forgot {Count} alerts sent before {Cutoff}", forgotten, now - _options.InboxRetention);
        }
    }
}
