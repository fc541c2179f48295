using Eventer.Notifications.Persistence;
using Eventer.ServiceDefaults;
using Npgsql;

namespace Eventer.Notifications.Delivery;

/// <summary>
/// A named lease in a PostgreSQL table (<c>name</c> primary key, <c>holder</c>, <c>expires_at</c>):
/// of the replicas that share a database, one holds it at a time and renews it; another takes it
/// only once it has expired by the database's clock. Unlike a session lock, it does not depend on
/// the holder's connection being seen to break: a holder that vanishes silently (node loss, a
/// partition — no reset, so its session would live until TCP keepalive gives up, about two hours)
/// loses the lease by time alone.
/// </summary>
/// <remarks>
/// <para>
/// Timing, all from <see cref="Duration"/>: the holder renews every third of it, and treats the
/// lease as lost at its own deadline — the monotonic time at which it <em>sent</em> its last
/// successful renewal, plus the duration, minus <see cref="SafetyMargin"/>. The database set the
/// expiry no earlier than that renewal arrived, so the holder's deadline always comes before any
/// other replica can take over, even when every call into the database hangs: a frozen holder stops
/// on its own clock. A follower tries every <see cref="PollInterval"/>, so a vanished holder is
/// replaced within <see cref="TakeoverBound"/>.
/// </para>
/// <para>
/// Each database call is waited for at most <see cref="RenewInterval"/> and never cancelled (see
/// <see cref="DatabaseCalls.WithinAsync{T}"/>). A renewal left running that arrives late changes
/// nothing another replica relies on: the statement only ever extends a lease this holder still
/// holds, or takes an expired one.
/// </para>
/// <para>
/// Nothing here knows what the lease guards: the name tells leases apart, and the table may hold many.
/// </para>
/// </remarks>
public sealed class DatabaseLease
{
    private readonly NpgsqlDataSource _database;
    private readonly string _take;
    private readonly string _release;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    /// <param name="database">Where the table is.</param>
    /// <param name="table">The table, schema-qualified (a name from code, never from configuration).</param>
    /// <param name="name">Which lease of the table.</param>
    /// <param name="holder">This replica's name in the lease; it must differ between replicas.</param>
    /// <param name="duration">How long a lease lasts without renewal.</param>
    /// <param name="clock">Monotonic time for the local deadline.</param>
    /// <param name="logger">Where a lost lease is logged.</param>
    public DatabaseLease(NpgsqlDataSource database, string table, string name, string holder, TimeSpan duration, TimeProvider clock, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.FromMilliseconds(300));
        _database = database;
        _clock = clock;
        _logger = logger;
        Name = name;
        Holder = holder;
        Duration = duration;

        // One statement takes a free or expired lease, or renews this holder's own; expiry is by the
        // database's clock, so the replicas' clocks never have to agree. No row back: another holds it.
        _take = $"""
            INSERT INTO {table} AS lease (name, holder, expires_at) VALUES ($1, $2, now() + $3)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE lease.holder = excluded.holder OR lease.expires_at <= now()
            RETURNING holder
            """;
        _release = $"UPDATE {table} SET expires_at = now() WHERE name = $1 AND holder = $2";
    }

    public string Name { get; }

    public string Holder { get; }

    /// <summary>How long a lease lasts without renewal.</summary>
    public TimeSpan Duration { get; }

    /// <summary>How often the holder renews, and how long it waits for one renewal.</summary>
    public TimeSpan RenewInterval => Duration / 3;

    /// <summary>How much earlier than the database's expiry the holder stops: room for a send started just before it to arrive.</summary>
    public TimeSpan SafetyMargin => Duration / 6;

    /// <summary>How often a replica that does not hold the lease tries to take it.</summary>
    public TimeSpan PollInterval => Duration / 6;

    /// <summary>The longest a vanished holder leaves the work undone: its lease expires, then a follower's next try takes it.</summary>
    public TimeSpan TakeoverBound => Duration + PollInterval;

    /// <summary>
    /// Tries once to take the lease (waiting at most <see cref="RenewInterval"/>); the returned term
    /// renews it until disposed, which releases it. Null when another replica holds it.
    /// </summary>
    public async Task<LeaseTerm?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        var sentAt = _clock.GetTimestamp();
        return await TakeAsync(cancellationToken) ? new LeaseTerm(this, sentAt, _clock, _logger) : null;
    }

    /// <summary>Takes or renews the lease; false when another replica holds it.</summary>
    internal async Task<bool> TakeAsync(CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(_take);
        command.Parameters.Add(new NpgsqlParameter { Value = Name });
        command.Parameters.Add(new NpgsqlParameter { Value = Holder });
        command.Parameters.Add(new NpgsqlParameter { Value = Duration });
        return await command.ExecuteScalarAsync(CancellationToken.None).WithinAsync(RenewInterval, _clock, cancellationToken) is not null;
    }

    /// <summary>Lets the lease expire now, if this replica still holds it, so a follower takes over at its next try.</summary>
    internal async Task ReleaseAsync()
    {
        await using var command = _database.CreateCommand(_release);
        command.Parameters.Add(new NpgsqlParameter { Value = Name });
        command.Parameters.Add(new NpgsqlParameter { Value = Holder });
        await command.ExecuteNonQueryAsync(CancellationToken.None).WithinAsync(RenewInterval, _clock, CancellationToken.None);
    }
}

/// <summary>
/// One holding of a <see cref="DatabaseLease"/>: renewed in the background until disposed;
/// <see cref="Lost"/> fires at the holder's local deadline (or as soon as a renewal finds another
/// holder). Work done under the lease runs with that token and stops with it.
/// </summary>
public sealed class LeaseTerm : IAsyncDisposable
{
    private readonly DatabaseLease _lease;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly CancellationTokenSource _lost;
    private readonly CancellationTokenSource _stopRenewing = new();
    private readonly Task _renewing;
    private long _deadline;
    private int _disposed;

    internal LeaseTerm(DatabaseLease lease, long sentAt, TimeProvider clock, ILogger logger)
    {
        _lease = lease;
        _clock = clock;
        _logger = logger;
        _lost = new CancellationTokenSource(Timeout.InfiniteTimeSpan, clock);
        Lost = _lost.Token;
        Extend(sentAt);
        _renewing = RenewAsync();
    }

    /// <summary>Fires when this replica must stop the work the lease guards: at the local deadline, on finding another holder, or when disposed.</summary>
    public CancellationToken Lost { get; }

    /// <summary>Time left until the local deadline (zero once lost), by the monotonic clock.</summary>
    public TimeSpan Remaining
    {
        get
        {
            lock (_sync)
            {
                return _lost.IsCancellationRequested ? TimeSpan.Zero : Until(_deadline);
            }
        }
    }

    /// <summary>Stops renewing and, unless the lease was lost, releases it (waiting at most a renew interval).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopRenewing.CancelAsync();
        await _renewing;
        if (!_lost.IsCancellationRequested)
        {
            await _lost.CancelAsync();
            try
            {
                await _lease.ReleaseAsync();
                _logger.LogInformation("Released lease {Lease} as {Holder}", _lease.Name, _lease.Holder);
            }
            catch (Exception ex) when (IsDatabaseFailure(ex))
            {
                _logger.LogWarning("Could not release lease {Lease} ({Error}: {Reason}); another replica takes it when it expires",
                    _lease.Name, ex.GetType().Name, ex.Message);
            }
        }

        _lost.Dispose();
        _stopRenewing.Dispose();
    }

    private async Task RenewAsync()
    {
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(_stopRenewing.Token, _lost.Token);
        var previous = _clock.GetTimestamp();
        while (true)
        {
            try
            {
                // A renew interval from the start of the previous try, not from its end: a try that
                // hung for its whole wait still leaves another one before the deadline.
                var wait = _lease.RenewInterval - _clock.GetElapsedTime(previous);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _clock, renewing.Token);
                }

                var sentAt = previous = _clock.GetTimestamp();
                if (!await _lease.TakeAsync(renewing.Token))
                {
                    _logger.LogWarning("Lease {Lease} is held by another replica: {Holder} stops now", _lease.Name, _lease.Holder);
                    await _lost.CancelAsync();
                    return;
                }

                Extend(sentAt);
            }
            catch (OperationCanceledException) when (renewing.IsCancellationRequested)
            {
                if (_lost.IsCancellationRequested && !_stopRenewing.IsCancellationRequested)
                {
                    _logger.LogWarning("Lease {Lease} not renewed in time: {Holder} stopped at its deadline, {Margin} before the lease expires",
                        _lease.Name, _lease.Holder, _lease.SafetyMargin);
                }

                return;
            }
            catch (Exception ex) when (IsDatabaseFailure(ex))
            {
                // The next try may get through; the deadline decides when to give up.
                _logger.LogWarning("Renewing lease {Lease} failed ({Error}: {Reason}); {Remaining} left before {Holder} stops",
                    _lease.Name, ex.GetType().Name, ex.Message, Remaining, _lease.Holder);
            }
        }
    }

    /// <summary>Moves the local deadline to <paramref name="sentAt"/> + duration − margin (never back to life once lost).</summary>
    private void Extend(long sentAt)
    {
        TimeSpan remaining;
        lock (_sync)
        {
            if (_lost.IsCancellationRequested)
            {
                return;
            }

            _deadline = sentAt + (long)((_lease.Duration - _lease.SafetyMargin).TotalSeconds * _clock.TimestampFrequency);
            remaining = Until(_deadline);
            if (remaining > TimeSpan.Zero)
            {
                _lost.CancelAfter(remaining);
                return;
            }
        }

        // Outside the lock: cancelling runs the work's callbacks on this thread.
        _lost.Cancel();
    }

    private TimeSpan Until(long timestamp)
    {
        var now = _clock.GetTimestamp();
        return timestamp > now ? _clock.GetElapsedTime(now, timestamp) : TimeSpan.Zero;
    }

    /// <summary>A lease call that failed for the database's sake (unreachable, timed out, pool closed), not a bug.</summary>
    private static bool IsDatabaseFailure(Exception ex) => ex is DatabaseUnavailableException or NpgsqlException or InvalidOperationException;
}
