using Eventer.Collector.Leadership;
using Eventer.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace Eventer.Collector.Tests.Leadership;

/// <summary>
/// Gates that compete for one lock, and a referee: every leadership change and every sample
/// taken while waiting is checked for two leaders at once.
/// </summary>
public sealed class Candidates : IAsyncDisposable
{
    /// <summary>
    /// Short timings, so a failover takes seconds. A leader steps down at the latest 1.75 s after
    /// its last renewal and a follower waits 3 s: the 1.25 s between absorbs a loaded test machine.
    /// </summary>
    public static readonly (TimeSpan Lease, TimeSpan Renew, TimeSpan Retry) Fast =
        (TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(0.25));

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<LeaderGate> _running = [];
    private readonly object _sync = new();
    private int _leaders;

    /// <summary>What every gate logged.</summary>
    public FakeLogCollector Logs { get; } = new();

    /// <summary>The most leaders seen at one moment.</summary>
    public int MostLeadersAtOnce { get; private set; }

    /// <summary>A lease-mode replica's options with the <see cref="Fast"/> timings; the gate campaigns with whatever lock it is given.</summary>
    public static LeadershipOptions Options(string lease, TimeSpan? leaseDuration = null) => new()
    {
        Mode = LeadershipMode.Lease,
        LeaseName = lease,
        LeaseNamespace = "eventer",
        LeaseDuration = leaseDuration ?? Fast.Lease,
        RenewDeadline = Fast.Renew,
        RetryPeriod = Fast.Retry,
    };

    public static string NewLeaseName() => $"test-{Guid.NewGuid():N}";

    /// <summary>Starts a gate that campaigns with <paramref name="lock"/> (its identity is the lock's).</summary>
    public async Task<LeaderGate> StartAsync(LeadershipOptions options, ILeaderLock @lock)
    {
        var gate = new LeaderGate(options, @lock, new FakeLogger<LeaderGate>(Logs));
        gate.LeadershipChanged += (_, leading) => Count(leading ? 1 : -1);
        lock (_sync)
        {
            _running.Add(gate);
        }

        await gate.StartAsync(CancellationToken.None);
        return gate;
    }

    /// <summary>Starts a gate on an in-memory lock named <paramref name="lease"/>.</summary>
    public Task<LeaderGate> StartInMemoryAsync(string lease, TimeSpan? leaseDuration = null)
    {
        var options = Options(lease, leaseDuration);
        return StartAsync(options, new InMemoryLock(lease, options.Identity));
    }

    /// <summary>Waits until exactly one running gate leads and returns it.</summary>
    public async Task<LeaderGate> OneLeadsAsync(string what = "exactly one leader")
    {
        LeaderGate? leader = null;
        await Eventually.HoldsAsync(() =>
        {
            var leaders = Sample();
            leader = leaders.Count == 1 ? leaders[0] : null;
            return leader is not null;
        }, Deadline, what);
        return leader!;
    }

    /// <summary>Waits until <paramref name="gate"/> leads, sampling all gates meanwhile.</summary>
    public Task LeadsAsync(LeaderGate gate, TimeSpan? within = null) =>
        Eventually.HoldsAsync(() => Sample().Contains(gate), within ?? Deadline, $"{gate.Identity} to lead");

    /// <summary>Crashes <paramref name="gate"/>: it stops campaigning at once and keeps its lease.</summary>
    public void Crash(LeaderGate gate)
    {
        lock (_sync)
        {
            _running.Remove(gate);
        }

        gate.Dispose();
    }

    /// <summary>Stops <paramref name="gate"/> gracefully, which releases its lease.</summary>
    public async Task StopAsync(LeaderGate gate)
    {
        lock (_sync)
        {
            _running.Remove(gate);
        }

        using var timeout = new CancellationTokenSource(Deadline);
        await gate.StopAsync(timeout.Token);
        gate.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        List<LeaderGate> running;
        lock (_sync)
        {
            running = [.. _running];
        }

        foreach (var gate in running)
        {
            await StopAsync(gate);
        }
    }

    private List<LeaderGate> Sample()
    {
        List<LeaderGate> leaders;
        lock (_sync)
        {
            leaders = _running.Where(g => g.IsLeader).ToList();
            MostLeadersAtOnce = Math.Max(MostLeadersAtOnce, leaders.Count);
        }

        return leaders;
    }

    private void Count(int change)
    {
        lock (_sync)
        {
            _leaders += change;
            MostLeadersAtOnce = Math.Max(MostLeadersAtOnce, _leaders);
        }
    }
}

/// <summary>
/// A lock whose connection can be cut: while cut, every call hangs until cancelled, as a
/// request into a network partition does.
/// </summary>
public sealed class PartitionableLock(ILeaderLock inner) : ILeaderLock
{
    private volatile bool _cut;

    public string Identity => inner.Identity;

    public void Cut() => _cut = true;

    public void Heal() => _cut = false;

    public async Task<LeaderRecord?> GetAsync(CancellationToken cancellationToken = default)
    {
        await HangWhileCutAsync(cancellationToken);
        return await inner.GetAsync(cancellationToken);
    }

    public async Task<bool> CreateAsync(LeaderRecord record, CancellationToken cancellationToken = default)
    {
        await HangWhileCutAsync(cancellationToken);
        return await inner.CreateAsync(record, cancellationToken);
    }

    public async Task<bool> UpdateAsync(LeaderRecord record, CancellationToken cancellationToken = default)
    {
        await HangWhileCutAsync(cancellationToken);
        return await inner.UpdateAsync(record, cancellationToken);
    }

    public string Describe() => inner.Describe();

    private async Task HangWhileCutAsync(CancellationToken cancellationToken)
    {
        if (_cut)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
