using Npgsql;

namespace Eventer.Collector.Watching;

/// <summary>
/// When this cluster was last watched, kept in PostgreSQL: a collector that starts after a pause
/// longer than the API server keeps Events (<c>--event-ttl</c>) knows that some may have come and
/// gone unseen, and says so.
/// </summary>
public sealed class WatchHeartbeat(NpgsqlDataSource database, TimeProvider clock)
{
    private const string Table = Outbox.CollectorDbContext.Schema + ".watch_state";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private DateTimeOffset _lastBeat = DateTimeOffset.MinValue;

    /// <summary>When <paramref name="cluster"/> was last watched, or null when never.</summary>
    public async Task<DateTimeOffset?> LastWatchedAsync(string cluster, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT last_watching_at FROM {Table} WHERE cluster = @cluster");
        command.Parameters.Add(new NpgsqlParameter<string>("cluster", cluster));
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>Records that <paramref name="cluster"/> is being watched now; tries at most every 30 s.</summary>
    public async Task BeatAsync(string cluster, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now - _lastBeat < Interval)
        {
            return;
        }

        // Counted before the write: while PostgreSQL is down the watch must not try on every line.
        _lastBeat = now;

        await using var command = database.CreateCommand($"""
            INSERT INTO {Table} (cluster, last_watching_at) VALUES (@cluster, @now)
            ON CONFLICT (cluster) DO UPDATE SET last_watching_at = excluded.last_watching_at
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("cluster", cluster));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
