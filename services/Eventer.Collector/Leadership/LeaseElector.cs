namespace Eventer.Collector.Leadership;

/// <summary>
/// Campaigns for an <see cref="ILeaderLock"/> the way Kubernetes' own controllers do (client-go's
/// leader election, which KubernetesClient's <c>LeaderElector</c> follows too):
/// <list type="bullet">
/// <item>a candidate takes the record when it is missing, released (no holder), or unchanged for
/// <see cref="LeadershipOptions.LeaseDuration"/> by the candidate's own monotonic clock, counted
/// from when it last saw the record change, so the replicas' clocks never have to agree;</item>
/// <item>the leader renews every <see cref="LeadershipOptions.RetryPeriod"/>, and stops leading
/// when no renewal has succeeded within <see cref="LeadershipOptions.RenewDeadline"/>: a deadline
/// that cancels the call left hanging, so a late renewal cannot take the lease back afterwards
/// (and could not anyway: it names the resourceVersion it read).</item>
/// </list>
/// </summary>
/// <remarks>
/// Each call to the lock is bounded by <see cref="LeadershipOptions.RenewDeadline"/>, while
/// campaigning too: a candidate cut off from the API server fails its attempts in time instead of
/// waiting for the HTTP client's own timeout (100 s). An error while campaigning ends
/// <see cref="RunUntilLeadershipLostAsync"/> (the caller backs off); an error while leading is
/// reported through <see cref="Error"/> and retried until the renew deadline.
/// </remarks>
public sealed class LeaseElector(ILeaderLock @lock, LeadershipOptions options, TimeProvider clock)
{
    private LeaderRecord? _observed;
    private long _observedAt;

    /// <summary>This candidate now leads.</summary>
    public event Action? StartedLeading;

    /// <summary>This candidate no longer leads (raised once for every <see cref="StartedLeading"/>).</summary>
    public event Action? StoppedLeading;

    /// <summary>The record names a holder other than the one last seen.</summary>
    public event Action<string>? NewLeader;

    /// <summary>A renewal failed; the leader tries again until its renew deadline.</summary>
    public event Action<Exception>? Error;

    /// <summary>Campaigns until this candidate leads, then leads until a renewal misses its deadline or finds another holder.</summary>
    public async Task RunUntilLeadershipLostAsync(CancellationToken cancellationToken)
    {
        while (!await AttemptAsync(cancellationToken))
        {
            await Task.Delay(options.RetryPeriod, clock, cancellationToken);
        }

        StartedLeading?.Invoke();
        try
        {
            while (await RenewAsync(cancellationToken))
            {
                await Task.Delay(options.RetryPeriod, clock, cancellationToken);
            }
        }
        finally
        {
            StoppedLeading?.Invoke();
        }
    }

    /// <summary>One try to take or keep the lock, bounded by the renew deadline; false when another holds it or the try ran out of time.</summary>
    private async Task<bool> AttemptAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(options.RenewDeadline);
        try
        {
            return await TryAcquireOrRenewAsync(attempt.Token).WaitAsync(attempt.Token);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Error?.Invoke(new TimeoutException($"Lease {@lock.Describe()} did not answer within {options.RenewDeadline}."));
            return false;
        }
    }

    /// <summary>Tries every retry period until a renewal succeeds: false when none has within the renew deadline, or the lock has another holder.</summary>
    private async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        round.CancelAfter(options.RenewDeadline);
        try
        {
            while (true)
            {
                try
                {
                    if (await TryAcquireOrRenewAsync(round.Token).WaitAsync(round.Token))
                    {
                        return true;
                    }

                    if (_observed?.HolderIdentity != @lock.Identity)
                    {
                        return false;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Error?.Invoke(ex);
                }

                await Task.Delay(options.RetryPeriod, clock, round.Token);
            }
        }
        catch (OperationCanceledException) when (round.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var current = await @lock.GetAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var seconds = (int)options.LeaseDuration.TotalSeconds;
        if (current is null)
        {
            var created = new LeaderRecord(@lock.Identity, seconds, now, now, 0);
            if (!await @lock.CreateAsync(created, cancellationToken))
            {
                return false;
            }

            Observe(created);
            return true;
        }

        Observe(current);
        var mine = current.HolderIdentity == @lock.Identity;
        if (!mine && current.HolderIdentity.Length > 0 && clock.GetElapsedTime(_observedAt) < options.LeaseDuration)
        {
            return false;
        }

        var next = mine
            ? current with { LeaseDurationSeconds = seconds, RenewTime = now }
            : new LeaderRecord(@lock.Identity, seconds, now, now, current.LeaderTransitions + 1);
        if (!await @lock.UpdateAsync(next, cancellationToken))
        {
            return false;
        }

        Observe(next);
        return true;
    }

    /// <summary>Notes <paramref name="record"/> and, when it differs from the last one seen, when it changed.</summary>
    private void Observe(LeaderRecord record)
    {
        if (record == _observed)
        {
            return;
        }

        var holderChanged = record.HolderIdentity != _observed?.HolderIdentity;
        _observed = record;
        _observedAt = clock.GetTimestamp();
        if (holderChanged && record.HolderIdentity.Length > 0)
        {
            NewLeader?.Invoke(record.HolderIdentity);
        }
    }
}
