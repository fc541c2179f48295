using System.Diagnostics;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.Notifications;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Network;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

/// <summary>The dispatcher's lease on its own: one holder, renewal, release, expiry, and a holder that cannot reach the database.</summary>
[Trait("Category", "Integration")]
public sealed class DatabaseLeaseTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<NpgsqlDataSource> _sources = [];
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dingtalk");
        await NotifierDatabase.MigrateAsync(_database);
    }

    public async Task DisposeAsync()
    {
        foreach (var source in _sources)
        {
            await source.DisposeAsync();
        }
    }

    [Fact]
    public async Task One_replica_holds_it_the_holder_keeps_it_by_renewing_and_a_release_hands_it_over_at_once()
    {
        var a = Lease("a", _database);
        var b = Lease("b", _database);

        var held = await a.TryAcquireAsync(CancellationToken.None);
        Assert.NotNull(held);
        Assert.Null(await b.TryAcquireAsync(CancellationToken.None));

        // Twice the duration: only renewals keep it.
        await Continually.HoldsForAsync(async () => !held.Lost.IsCancellationRequested && await b.TryAcquireAsync(CancellationToken.None) is null,
            Duration * 2, "the holder to keep the lease and the other never to get it");
        Assert.Equal("a", await HolderAsync());

        await held.DisposeAsync();

        Assert.True(held.Lost.IsCancellationRequested);
        await using var taken = await b.TryAcquireAsync(CancellationToken.None);
        Assert.NotNull(taken);
        Assert.Equal("b", await HolderAsync());
    }

    [Fact]
    public async Task A_lease_whose_holder_stopped_renewing_is_taken_once_it_expires_by_the_database_clock()
    {
        await ExecuteAsync($"INSERT INTO dingtalk.leases VALUES ('{DeliveryHost.DispatcherLeaseName}', 'crashed', now() + interval '2 seconds')");
        var b = Lease("b", _database);

        var started = Stopwatch.GetTimestamp();
        LeaseTerm? taken = null;
        await Eventually.HoldsAsync(async () => (taken = await b.TryAcquireAsync(CancellationToken.None)) is not null, Deadline, "the expired lease to be taken");
        await using var _ = taken;

        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        Assert.Equal("b", await HolderAsync());
    }

    [Fact]
    public async Task A_renewal_that_finds_another_holder_ends_the_term_at_once()
    {
        var a = Lease("a", _database);
        await using var held = await a.TryAcquireAsync(CancellationToken.None);
        Assert.NotNull(held);

        // As if the lease had expired and been taken while this holder was paused.
        await ExecuteAsync("UPDATE dingtalk.leases SET holder = 'usurper', expires_at = now() + interval '1 minute'");

        await Eventually.HoldsAsync(() => held.Lost.IsCancellationRequested, a.RenewInterval * 3, "the term to end at the next renewal");
        Assert.Equal(TimeSpan.Zero, held.Remaining);
        Assert.Equal("usurper", await HolderAsync());
    }

    [Fact]
    public async Task A_holder_cut_off_without_a_reset_stops_at_its_own_deadline_before_the_lease_expires_and_another_takes_it_after()
    {
        await using var proxy = await TcpProxy.StartForPostgresAsync(_database);
        var a = Lease("a", proxy.RoutePostgres(_database));
        var b = Lease("b", _database);
        await using var held = await a.TryAcquireAsync(CancellationToken.None);
        Assert.NotNull(held);
        // One renewal, so the deadline comes from a renewal rather than from taking the lease.
        await RenewalAsync(a, held);
        var lost = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        held.Lost.Register(() => lost.TrySetResult(Stopwatch.GetTimestamp()));

        proxy.Freeze();
        var frozenAt = Stopwatch.GetTimestamp();
        // The deadline as the holder computed it (by the monotonic clock), apart from when its
        // timer gets to fire: on a busy machine the timer ran 0.7 s late once.
        var deadlineAt = frozenAt + (long)(held.Remaining.TotalSeconds * Stopwatch.Frequency);

        // The follower tries all the time (the dispatcher would every poll interval).
        LeaseTerm? taken = null;
        await Eventually.HoldsAsync(async () =>
        {
            taken = await b.TryAcquireAsync(CancellationToken.None);
            return taken is not null;
        }, Deadline, "the follower to take the lease");
        var takenAt = Stopwatch.GetTimestamp();
        await using var _ = taken;
        var lostAt = await lost.Task.WaitAsync(Deadline);

        var deadline = Stopwatch.GetElapsedTime(frozenAt, deadlineAt);
        var timerLate = Stopwatch.GetElapsedTime(deadlineAt, lostAt);
        var gap = Stopwatch.GetElapsedTime(deadlineAt, takenAt);
        var takeover = Stopwatch.GetElapsedTime(frozenAt, takenAt);
        output.WriteLine($"lease {Duration.TotalSeconds} s: holder's deadline {deadline.TotalSeconds:0.00} s after the freeze (its timer fired "
            + $"{timerLate.TotalSeconds:0.00} s after that), the follower took over {gap.TotalSeconds:0.00} s after the deadline, "
            + $"{takeover.TotalSeconds:0.00} s after the freeze (bound {a.TakeoverBound.TotalSeconds:0.00} s)");
        // The holder's deadline: its last renewal was sent before the freeze, so it stops by duration − margin.
        Assert.InRange(deadline, TimeSpan.Zero, Duration - a.SafetyMargin);
        // ... and the follower gets in only after that: about the margin later, by the database's clock.
        Assert.True(gap >= a.SafetyMargin / 2, $"the follower took over only {gap.TotalMilliseconds:0} ms after the holder's deadline");
        // The work's token follows the deadline (what the dispatcher stops on), late only by its timer
        // (which counts whole milliseconds, so it may also fire a moment early).
        Assert.InRange(timerLate, TimeSpan.FromMilliseconds(-20), TimeSpan.FromSeconds(1));
        Assert.InRange(takeover, TimeSpan.Zero, a.TakeoverBound + TimeSpan.FromSeconds(1));
        Assert.Equal("b", await HolderAsync());

        proxy.Thaw();

        // A renewal left hanging by the freeze arrives now: it must not take the lease back.
        await Continually.HoldsForAsync(async () => await HolderAsync() == "b", a.RenewInterval * 2, "the lease to stay with the follower after the thaw");
    }

    [Fact]
    public async Task A_renewal_that_hangs_for_its_whole_wait_still_leaves_a_second_try_before_the_deadline()
    {
        // Longer here, for room on a busy machine: renew every 4 s, deadline 10 s after a renewal, so
        // the second try has 2 s (CI once needed more than the 1 s a 6 s lease leaves).
        var duration = TimeSpan.FromSeconds(12);
        var logs = new FakeLogCollector();
        await using var proxy = await TcpProxy.StartForPostgresAsync(_database);
        var a = Lease("a", proxy.RoutePostgres(_database), duration, new FakeLogger(logs));
        await using var held = await a.TryAcquireAsync(CancellationToken.None);
        Assert.NotNull(held);
        await RenewalAsync(a, held);

        // The next try hangs until its wait (a renew interval) ends; then the network heals.
        proxy.Freeze();
        await Eventually.HoldsAsync(() => logs.GetSnapshot().Any(r => r.Message.StartsWith("Renewing lease", StringComparison.Ordinal)), Deadline,
            "a renewal to be given up");
        proxy.Thaw();

        // The second try, made at once, gets through before the deadline (a try a renew interval
        // after the failed one ended would come after it).
        await Continually.HoldsForAsync(() => !held.Lost.IsCancellationRequested, duration, "the holder to keep its lease");
        Assert.Equal("a", await HolderAsync());
    }

    /// <summary>
    /// Waits until a renewal has moved the holder's deadline. Compared as a point in time, not as
    /// <see cref="LeaseTerm.Remaining"/>: right after a renewal, Remaining exceeds its value at the
    /// start only for as long as taking the lease took longer than renewing it (tens of
    /// milliseconds), a window a poll every 50 ms can miss at every renewal of a long lease.
    /// </summary>
    private static async Task RenewalAsync(DatabaseLease lease, LeaseTerm held)
    {
        static long DeadlineOf(LeaseTerm held) => Stopwatch.GetTimestamp() + (long)(held.Remaining.TotalSeconds * Stopwatch.Frequency);
        var first = DeadlineOf(held);
        await Eventually.HoldsAsync(() => Stopwatch.GetElapsedTime(first, DeadlineOf(held)) > lease.RenewInterval / 2, Deadline, "a renewal");
    }

    private DatabaseLease Lease(string holder, string connectionString, TimeSpan? duration = null, ILogger? logger = null)
    {
        var source = NpgsqlDataSource.Create(connectionString);
        _sources.Add(source);
        return new DatabaseLease(source, "dingtalk.leases", DeliveryHost.DispatcherLeaseName, holder, duration ?? Duration,
            TimeProvider.System, logger ?? NullLogger.Instance);
    }

    private async Task<string?> HolderAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT holder FROM dingtalk.leases WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = DeliveryHost.DispatcherLeaseName });
        return (string?)await command.ExecuteScalarAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
