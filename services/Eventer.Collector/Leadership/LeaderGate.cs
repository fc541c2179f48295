using Eventer.ServiceDefaults;

namespace Eventer.Collector.Leadership;

/// <summary>
/// The one election of this collector, shared by every piece of leader-only work (the watcher,
/// the outbox relay): while hosted it campaigns for the lock with a <see cref="LeaseElector"/>,
/// and <see cref="RunWhileLeaderAsync"/> runs each piece of work for
/// as long as this instance leads. Without a lock (mode <c>none</c>) it always leads. A leader
/// that cannot renew stops leading before a follower may take the lease (see
/// <see cref="LeadershipOptions"/>); only a process stalled for longer than that margin can
/// overlap with its successor for a moment, and the outbox key makes that harmless.
/// </summary>
/// <remarks>
/// That holds when the API server vanishes without a reset too (a partition: every request just
/// hangs): <see cref="LeaseElector"/> cancels each call to the lock at <c>RenewDeadline</c>,
/// whatever the client's own timeout (KubernetesClient's <c>HttpClientTimeout</c>, 100 s), and when
/// the partition heals a late request changes nothing, since a Lease update names the
/// resourceVersion it read.
/// </remarks>
public sealed class LeaderGate : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly LeadershipOptions _options;
    private readonly ILeaderLock? _lock;
    private readonly ILogger<LeaderGate> _logger;
    private readonly object _sync = new();

    // Completed with the term's token while this instance leads; replaced by a fresh one when a term ends.
    private TaskCompletionSource<CancellationToken> _term = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _termEnd;
    private volatile bool _isLeader;
    private volatile string? _leader;

    /// <param name="options">Timing and identity.</param>
    /// <param name="lock">The lock to elect with (see <see cref="LeaderLocks.Create"/>); null always leads.</param>
    /// <param name="logger">Where leadership changes are logged.</param>
    public LeaderGate(LeadershipOptions options, ILeaderLock? @lock, ILogger<LeaderGate> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _lock = @lock;
        _logger = logger;
        Identity = @lock?.Identity ?? options.Identity;
        if (@lock is null)
        {
            _isLeader = true;
            _leader = Identity;
            _term.SetResult(CancellationToken.None);
        }
    }

    /// <summary>This instance's name in the lease.</summary>
    public string Identity { get; }

    /// <summary>Whether this instance leads now.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The identity that holds the lease as last seen, this instance's included; null before the first look.</summary>
    public string? Leader => _leader;

    /// <summary>1 while this instance leads, else 0: the value of a leader-status gauge.</summary>
    public int LeaderGauge => _isLeader ? 1 : 0;

    /// <summary>
    /// Raised with true when this instance starts leading and false when it stops, on the
    /// election's thread: handlers must be quick.
    /// </summary>
    public event EventHandler<bool>? LeadershipChanged;

    /// <summary>
    /// Waits until this instance leads, then runs <paramref name="work"/> with a token that is
    /// cancelled when leadership is lost or <paramref name="stoppingToken"/> fires; after a loss it
    /// waits to lead again and runs <paramref name="work"/> anew. Several callers may share one
    /// gate. Returns when <paramref name="stoppingToken"/> fires or when <paramref name="work"/>
    /// ends by itself while still leading; an exception from <paramref name="work"/> propagates.
    /// With a lock, the gate must be hosted (see <see cref="LeadershipRegistration.AddLeaderGate"/>),
    /// or nobody campaigns and this waits until stopped.
    /// </summary>
    public async Task RunWhileLeaderAsync(Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        while (!stoppingToken.IsCancellationRequested)
        {
            CancellationToken term;
            try
            {
                term = await CurrentTerm().WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (term.IsCancellationRequested)
            {
                // The term ended before this caller got to it; the next one is already pending.
                continue;
            }

            using var whileLeading = CancellationTokenSource.CreateLinkedTokenSource(term, stoppingToken);
            try
            {
                await work(whileLeading.Token);
            }
            catch (OperationCanceledException) when (whileLeading.IsCancellationRequested)
            {
                // Leadership lost or stopping: the loop tells which.
            }

            if (!term.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Campaigns until stopped: leads, loses, campaigns again.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_lock is null)
        {
            return;
        }

        var elector = new LeaseElector(_lock, _options, TimeProvider.System);
        elector.StartedLeading += BeginTerm;
        elector.StoppedLeading += EndTerm;
        elector.NewLeader += leader =>
        {
            _leader = leader;
            _logger.LogInformation("Lease {Lease} is held by {Leader}", _lock.Describe(), leader);
        };
        elector.Error += ex =>
            _logger.LogWarning("Leader election on {Lease} failed ({Error}: {Reason})", _lock.Describe(), ex.GetType().Name, ex.Message);

        _logger.LogInformation("Campaigning for lease {Lease} as {Identity}", _lock.Describe(), Identity);
        var backoff = new Backoff(_options.RetryPeriod, MaxBackoff);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken);
                backoff.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The API server refused or could not be reached while campaigning.
                var delay = backoff.Next();
                _logger.LogWarning("Leader election on {Lease} failed ({Error}: {Reason}); retrying in {DelayMs} ms",
                    _lock.Describe(), ex.GetType().Name, ex.Message, (int)delay.TotalMilliseconds);
                await Backoff.PauseAsync(delay, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Stops campaigning and, if this instance still holds the lease, hands it back, so a
    /// follower takes over within its <see cref="LeadershipOptions.RetryPeriod"/> instead of
    /// waiting out <see cref="LeadershipOptions.LeaseDuration"/>. (Disposing without stopping
    /// abandons the lease, as a crash does.)
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_lock is not null)
        {
            await ReleaseAsync(_lock, cancellationToken);
        }
    }

    private Task<CancellationToken> CurrentTerm()
    {
        lock (_sync)
        {
            return _term.Task;
        }
    }

    private void BeginTerm()
    {
        lock (_sync)
        {
            _termEnd = new CancellationTokenSource();
            _isLeader = true;
            _leader = Identity;
            _term.TrySetResult(_termEnd.Token);
        }

        _logger.LogInformation("Leading as {Identity} (lease {Lease})", Identity, _lock?.Describe());
        Raise(true);
    }

    private void EndTerm()
    {
        CancellationTokenSource? ended;
        lock (_sync)
        {
            ended = _termEnd;
            _termEnd = null;
            _isLeader = false;
            if (_term.Task.IsCompleted)
            {
                _term = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        // Not disposed: leader work may still be linking to its token.
        ended?.Cancel();
        _logger.LogInformation("Stopped leading as {Identity} (lease {Lease})", Identity, _lock?.Describe());
        Raise(false);
    }

    private void Raise(bool leading)
    {
        try
        {
            LeadershipChanged?.Invoke(this, leading);
        }
        catch (Exception ex)
        {
            // A faulty observer must not break the election it observes.
            _logger.LogWarning("A leadership observer failed ({Error}: {Reason})", ex.GetType().Name, ex.Message);
        }
    }

    private async Task ReleaseAsync(ILeaderLock @lock, CancellationToken cancellationToken)
    {
        try
        {
            var record = await @lock.GetAsync(cancellationToken);
            if (record?.HolderIdentity != Identity)
            {
                return;
            }

            var now = DateTime.UtcNow;
            // No holder: a follower takes it at its next try instead of waiting out the lease.
            var released = await @lock.UpdateAsync(record with { HolderIdentity = "", LeaseDurationSeconds = 1, AcquireTime = now, RenewTime = now },
                cancellationToken);
            if (released)
            {
                _logger.LogInformation("Released lease {Lease}", @lock.Describe());
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Could not release lease {Lease} ({Error}: {Reason}); a follower takes it when it expires",
                @lock.Describe(), ex.GetType().Name, ex.Message);
        }
    }
}
