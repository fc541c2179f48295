using Npgsql;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>
/// One replica sends at a time: the budget lives in memory, so two dispatchers would each spend a
/// robot's 20 a minute. The queue's single-active-consumer does the same for consuming; sending
/// reads the shared table, so it needs its own lock — a PostgreSQL session advisory lock, held on
/// its own connection; a replica that dies (or loses the connection) releases it with the session.
/// </summary>
public sealed class DispatcherLock(NpgsqlDataSource database)
{
    // "eventer dingtalk" folded into a bigint; any constant works as long as it is the notifier's alone.
    private const long Key = 0x4556_4E54_4454_4B31;

    /// <summary>Tries once to take the lock; the returned lease holds it until disposed or its connection breaks.</summary>
    public async Task<Lease?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = Key });
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                return new Lease(connection);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    /// <summary>The held lock, released when disposed (or when its connection breaks).</summary>
    public sealed class Lease(NpgsqlConnection connection) : IAsyncDisposable
    {
        /// <summary>Throws when the lock's connection is gone (and with it the lock).</summary>
        public async Task EnsureHeldAsync(CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                // Explicitly: a pooled connection resets its session (and the lock) only when next used.
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = Key });
                await command.ExecuteScalarAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The connection is gone, and the lock with it.
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
