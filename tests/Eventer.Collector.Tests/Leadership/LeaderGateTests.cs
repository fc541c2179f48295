using System.Collections.Concurrent;
using Eventer.Collector.Leadership;
using Eventer.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventer.Collector.Tests.Leadership;

/// <summary>The real LeaseElector driving gates over the in-memory lock.</summary>
[Trait("Category", "Unit")]
public sealed class LeaderGateTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Without_a_lock_the_gate_leads_at_once()
    {
        using var gate = new LeaderGate(new LeadershipOptions(), null, NullLogger<LeaderGate>.Instance);
        using var stop = new CancellationTokenSource();
        var ran = new TaskCompletionSource();

        var running = gate.RunWhileLeaderAsync(async token =>
        {
            ran.SetResult();
            await Task.Delay(Timeout.Infinite, token);
        }, stop.Token);

        await ran.Task.WaitAsync(Deadline);
        Assert.True(gate.IsLeader);
        Assert.Equal(1, gate.LeaderGauge);
        Assert.Equal(gate.Identity, gate.Leader);
        await stop.CancelAsync();
        await running.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Exactly_one_of_two_leads_and_only_it_runs_the_work()
    {
        var lease = Candidates.NewLeaseName();
        await using var candidates = new Candidates();
        var a = await candidates.StartInMemoryAsync(lease);
        var b = await candidates.StartInMemoryAsync(lease);
        var working = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var runs = new[] { a, b }.Select(gate => gate.RunWhileLeaderAsync(async token =>
        {
            working.AddOrUpdate(gate.Identity, 1, (_, n) => n + 1);
            await Task.Delay(Timeout.Infinite, token);
        }, stop.Token)).ToList();

        var leader = await candidates.OneLeadsAsync();
        await Eventually.HoldsAsync(() => working.ContainsKey(leader.Identity), Deadline, "the leader's work to run");

        var follower = leader == a ? b : a;
        await Eventually.HoldsAsync(() => follower.Leader == leader.Identity, Deadline, "the follower to see the leader");
        Assert.False(working.ContainsKey(follower.Identity));
        Assert.Equal(leader.Identity, InMemoryLock.Peek(lease)!.HolderIdentity);
        Assert.Equal((1, 0), (leader.LeaderGauge, follower.LeaderGauge));
        Assert.Equal(1, candidates.MostLeadersAtOnce);

        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_crashed_leader_is_replaced_when_its_lease_expires()
    {
        var lease = Candidates.NewLeaseName();
        await using var candidates = new Candidates();
        var a = await candidates.StartInMemoryAsync(lease);
        var b = await candidates.StartInMemoryAsync(lease);
        var workStarted = new ConcurrentQueue<string>();
        var workStopped = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var runs = new[] { a, b }.Select(gate => gate.RunWhileLeaderAsync(async token =>
        {
            workStarted.Enqueue(gate.Identity);
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                workStopped.Enqueue(gate.Identity);
            }
        }, stop.Token)).ToList();
        var leader = await candidates.OneLeadsAsync();
        var follower = leader == a ? b : a;
        await Eventually.HoldsAsync(() => workStarted.Contains(leader.Identity), Deadline, "the leader's work to start");

        candidates.Crash(leader);

        await candidates.LeadsAsync(follower);
        await Eventually.HoldsAsync(() => workStarted.Contains(follower.Identity), Deadline, "the new leader's work to start");
        Assert.Equal(1, candidates.MostLeadersAtOnce);
        Assert.Equal([leader.Identity], workStopped);
        Assert.DoesNotContain(candidates.Logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
        var record = InMemoryLock.Peek(lease)!;
        Assert.Equal(follower.Identity, record.HolderIdentity);
        Assert.Equal(1, record.LeaderTransitions);

        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_partitioned_leader_steps_down_before_a_follower_takes_over()
    {
        // The leader must notice it lost the lease (by 1.75 s after its last renewal) before the
        // follower may take it (5 s): a wide margin, since the test is that it holds, not how
        // thin it can be on a loaded machine.
        var lease = Candidates.NewLeaseName();
        var leaseDuration = TimeSpan.FromSeconds(5);
        await using var candidates = new Candidates();
        var options = Candidates.Options(lease, leaseDuration);
        var partitionable = new PartitionableLock(new InMemoryLock(lease, options.Identity));
        var a = await candidates.StartAsync(options, partitionable);
        await candidates.LeadsAsync(a);
        var b = await candidates.StartInMemoryAsync(lease, leaseDuration);
        await Eventually.HoldsAsync(() => b.Leader == a.Identity, Deadline, "the follower to see the leader");

        partitionable.Cut();

        await candidates.LeadsAsync(b);
        Assert.False(a.IsLeader);
        Assert.Equal(1, candidates.MostLeadersAtOnce);

        partitionable.Heal();
        await Eventually.HoldsAsync(() => a.Leader == b.Identity, Deadline, "the old leader to see the new one");
        Assert.False(a.IsLeader);
        Assert.Equal(1, candidates.MostLeadersAtOnce);
    }

    [Fact]
    public async Task A_stopped_leader_releases_the_lease_and_the_follower_takes_over_at_once()
    {
        // A lease far longer than the wait below: only a release lets the follower in that fast.
        var lease = Candidates.NewLeaseName();
        var leaseDuration = TimeSpan.FromSeconds(60);
        await using var candidates = new Candidates();
        var a = await candidates.StartInMemoryAsync(lease, leaseDuration);
        var b = await candidates.StartInMemoryAsync(lease, leaseDuration);
        var leader = await candidates.OneLeadsAsync();
        var follower = leader == a ? b : a;
        await Eventually.HoldsAsync(() => follower.Leader == leader.Identity, Deadline, "the follower to see the leader");

        await candidates.StopAsync(leader);

        await candidates.LeadsAsync(follower, within: TimeSpan.FromSeconds(15));
        Assert.False(leader.IsLeader);
        Assert.Equal(1, candidates.MostLeadersAtOnce);
        Assert.Equal(follower.Identity, InMemoryLock.Peek(lease)!.HolderIdentity);
        Assert.Contains(candidates.Logs.GetSnapshot(), r => r.Message.StartsWith("Released lease", StringComparison.Ordinal));
        Assert.DoesNotContain(candidates.Logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Every_piece_of_leader_work_stops_on_loss_and_runs_again_on_the_next_term()
    {
        var lease = Candidates.NewLeaseName();
        await using var candidates = new Candidates();
        var options = Candidates.Options(lease);
        var partitionable = new PartitionableLock(new InMemoryLock(lease, options.Identity));
        var gate = await candidates.StartAsync(options, partitionable);
        var starts = new ConcurrentDictionary<string, int>();
        var stops = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var runs = new[] { "watcher", "relay" }.Select(name => gate.RunWhileLeaderAsync(async token =>
        {
            starts.AddOrUpdate(name, 1, (_, n) => n + 1);
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                stops.AddOrUpdate(name, 1, (_, n) => n + 1);
            }
        }, stop.Token)).ToList();
        await Eventually.HoldsAsync(() => starts.Count == 2, Deadline, "both pieces of work to start");

        partitionable.Cut();
        await Eventually.HoldsAsync(() => !gate.IsLeader && stops.Count == 2, Deadline, "leadership lost and both pieces stopped");
        partitionable.Heal();

        await Eventually.HoldsAsync(() => gate.IsLeader && starts.Values.All(n => n == 2), Deadline, "both pieces to run again");
        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(Deadline);
        Assert.All(stops.Values, n => Assert.Equal(2, n));
    }

    [Fact]
    public async Task Work_that_ends_by_itself_ends_the_call_and_its_failure_propagates()
    {
        using var gate = new LeaderGate(new LeadershipOptions(), null, NullLogger<LeaderGate>.Instance);

        await gate.RunWhileLeaderAsync(_ => Task.CompletedTask, CancellationToken.None).WaitAsync(Deadline);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            gate.RunWhileLeaderAsync(_ => throw new InvalidOperationException("broken"), CancellationToken.None).WaitAsync(Deadline));
    }
}
