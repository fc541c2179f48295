using Eventer.ServiceDefaults;
using System.Net;
using System.Text.Json;
using Eventer.Collector.Leadership;
using Eventer.Collector.Mapping;
using Eventer.Collector.Outbox;
using Eventer.Contracts;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Watching;

/// <summary>
/// List, then watch from the list's resourceVersion with bookmarks; on a watch that ends, watch
/// again from the last resourceVersion handled; on 410 Expired (a Status line or an HTTP 410),
/// list again; a watch silent past <see cref="CollectorOptions.WatchSilenceTimeout"/> is restarted;
/// failures to reach the API server back off exponentially with jitter. One loop per scope.
/// </summary>
public sealed class KubeEventWatcher(
    IKubeEventSource source,
    IOccurrenceSink sink,
    WatchHeartbeat heartbeat,
    LeaderGate gate,
    OccurrenceTracker tracker,
    CollectorStatus status,
    CollectorMetrics metrics,
    IOptions<CollectorOptions> options,
    ILogger<KubeEventWatcher> logger) : BackgroundService
{
    private readonly CollectorOptions _options = options.Value;

    /// <summary>Readiness part of a replica that stands by while another one leads.</summary>
    private const string StandbyPart = "standby";

    /// <summary>Readiness part that keeps a starting collector unready until it has listed (or stands by).</summary>
    private const string StartingPart = "watch";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Ready means watching: the outbox and relay report in before the first list, and a
        // collector that has not listed would miss what happens until it does.
        status.Failing(StartingPart, "not listed yet");

        // Only the leader watches; a follower is ready as a standby and takes over when it leads.
        metrics.IsLeader = () => gate.LeaderGauge;
        gate.LeadershipChanged += (_, leading) => Standby(!leading);
        Standby(!gate.IsLeader);
        return gate.RunWhileLeaderAsync(WatchAsync, stoppingToken);
    }

    private void Standby(bool standingBy)
    {
        if (standingBy)
        {
            status.Working(StandbyPart);
            status.Idle(StartingPart);
        }
        else
        {
            status.Idle(StandbyPart);
        }
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        await ReportDowntimeAsync(stoppingToken);
        IReadOnlyList<string?> scopes = _options.Namespaces.Count == 0 ? [null] : _options.Namespaces.Distinct().ToList<string?>();
        foreach (var scope in scopes)
        {
            status.Failing(ScopeName(scope), "not listed yet");
        }

        status.Idle(StartingPart);
        await Task.WhenAll(scopes.Select(scope => Task.Run(() => RunScopeAsync(scope, stoppingToken), stoppingToken)));
    }

    /// <summary>A pause longer than the event TTL may have let events expire unseen: say so once, at start.</summary>
    private async Task ReportDowntimeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var last = await heartbeat.LastWatchedAsync(_options.ClusterName, cancellationToken);
            if (last is { } watched && DateTimeOffset.UtcNow - watched > _options.EventTtl)
            {
                metrics.PossibleGap("downtime");
                logger.LogWarning("Possible gap: {Cluster} was last watched at {LastWatched:O}, longer ago than the event TTL ({EventTtl}); events may have expired unseen",
                    _options.ClusterName, watched, _options.EventTtl);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Could not read when {Cluster} was last watched ({Error}); no downtime check this time", _options.ClusterName, ex.GetType().Name);
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            await heartbeat.BeatAsync(_options.ClusterName, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only the downtime warning depends on it; the outbox reports database trouble.
            logger.LogDebug("Heartbeat not written: {Error}", ex.GetType().Name);
        }
    }

    private async Task RunScopeAsync(string? @namespace, CancellationToken stoppingToken)
    {
        var scope = ScopeName(@namespace);
        var backoff = new Backoff(TimeSpan.FromMilliseconds(200), _options.MaxBackoff);
        string? resourceVersion = null;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(@namespace, stoppingToken);
                    status.Working(scope);
                    backoff.Reset();
                }

                var result = await WatchAsync(@namespace, resourceVersion, stoppingToken);
                if (result.Delivered)
                {
                    backoff.Reset();
                }

                resourceVersion = result.ResourceVersion;
                if (resourceVersion is null)
                {
                    Expired(scope);
                }
                else if (!result.Delivered)
                {
                    // A watch that ends before saying anything (server timeout, dropped connection)
                    // is ordinary, but must not turn into a hot reconnect loop.
                    await backoff.PauseAsync(stoppingToken);
                }

                status.Working(scope);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Gone)
            {
                resourceVersion = null;
                Expired(scope);
            }
            catch (Exception ex)
            {
                status.Failing(scope, ex.GetType().Name);
                metrics.WatchRestarted("error");
                logger.LogWarning("{Scope} failed ({Error}: {Reason}); retrying", scope, ex.GetType().Name, ex.Message);
                await backoff.PauseAsync(stoppingToken);
            }
        }

        status.Idle(scope);
    }

    private static string ScopeName(string? @namespace) => "watch " + (@namespace ?? "(all namespaces)");

    /// <summary>410: the watch's resourceVersion is compacted away. Events may have come and gone unseen.</summary>
    private void Expired(string scope)
    {
        metrics.Relisted("expired");
        metrics.PossibleGap("expired");
        logger.LogWarning("Possible gap: {Scope} expired (410 Gone); listing again, events created and deleted meanwhile are lost", scope);
    }

    /// <summary>Lists every page and hands on new occurrences; returns the resourceVersion to watch from.</summary>
    private async Task<string> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        tracker.ForgetStaleWhenDue();
        string? continueToken = null;
        EventListPage page;
        do
        {
            page = await source.ListAsync(@namespace, continueToken, _options.ListPageSize, cancellationToken);
            foreach (var occurrence in page.Items)
            {
                await ObserveAsync(occurrence, cancellationToken);
            }

            continueToken = string.IsNullOrEmpty(page.ContinueToken) ? null : page.ContinueToken;
        }
        while (continueToken is not null);

        await BeatAsync(cancellationToken);
        logger.LogInformation("Listed {Scope}; watching from resourceVersion {ResourceVersion}", @namespace ?? "(all namespaces)", page.ResourceVersion);
        return page.ResourceVersion;
    }

    private async Task<WatchResult> WatchAsync(string? @namespace, string resourceVersion, CancellationToken stoppingToken)
    {
        var expired = false;
        var delivered = false;
        void OnError(Exception ex)
        {
            switch (ex)
            {
                case KubernetesException { Status.Code: (int)HttpStatusCode.Gone }:
                    expired = true;
                    break;
                case JsonException:
                    metrics.MalformedLine();
                    logger.LogWarning("Skipped a malformed watch line: {Reason}", ex.Message);
                    break;
                default:
                    logger.LogWarning("Watch reported {Error}: {Reason}", ex.GetType().Name, ex.Message);
                    break;
            }
        }

        // Jitter spreads reconnects of many collectors (and of our scopes) over time.
        var timeoutSeconds = (int)(_options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble() / 2));
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        watchdog.CancelAfter(_options.WatchSilenceTimeout);
        try
        {
            await foreach (var line in source.WatchAsync(@namespace, resourceVersion, timeoutSeconds, OnError, watchdog.Token))
            {
                delivered = true;
                watchdog.CancelAfter(_options.WatchSilenceTimeout);
                await BeatAsync(stoppingToken);
                if (line.Type is WatchedChange.Added or WatchedChange.Modified && line.Occurrence is not null)
                {
                    await ObserveAsync(line.Occurrence, stoppingToken);
                }
                else if (line.Type is WatchedChange.Deleted && line.Occurrence is not null)
                {
                    tracker.Forget(line.Occurrence.EventUid);
                }

                tracker.ForgetStaleWhenDue();

                // Only now is everything up to this line handed on: resume after it.
                resourceVersion = line.ResourceVersion ?? resourceVersion;
            }

            metrics.WatchRestarted(expired ? "expired" : "closed");
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            metrics.WatchRestarted("silent");
            logger.LogWarning("Watch silent for {SilenceSeconds} s; restarting it", (int)_options.WatchSilenceTimeout.TotalSeconds);
        }

        return new WatchResult(expired ? null : resourceVersion, delivered);
    }

    private async Task ObserveAsync(KubeEventObserved occurrence, CancellationToken cancellationToken)
    {
        metrics.Observed();
        if (_options.Drop.Any(rule => rule.Matches(occurrence)))
        {
            metrics.Dropped();
            return;
        }

        if (!tracker.IsNew(occurrence))
        {
            tracker.Touch(occurrence.EventUid);
            metrics.Deduplicated("memory");
            return;
        }

        using var activity = CollectorMetrics.ActivitySource.StartActivity("observe KubeEventObserved");
        activity?.SetTag("eventer.event_uid", occurrence.EventUid);
        activity?.SetTag("eventer.occurrence", occurrence.Occurrence);
        await sink.AcceptAsync(occurrence, cancellationToken);
        tracker.Record(occurrence);
    }

    private sealed record WatchResult(string? ResourceVersion, bool Delivered);
}
