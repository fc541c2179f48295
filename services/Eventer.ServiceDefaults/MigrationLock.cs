using Npgsql;

namespace Eventer.ServiceDefaults;

/// <summary>
/// How a service migrates its schema at start, whichever way it applies the migrations
/// (<see cref="DatabaseMigrator{TContext}"/>, <see cref="ScriptMigrator"/>): replicas starting
/// together take turns under a PostgreSQL advisory lock named after the context, and a database
/// that cannot be reached or migrated stops the service with one line naming
/// <c>ConnectionStrings:postgres</c> and the database's own reason.
/// </summary>
public static class MigrationLock
{
    /// <summary>FNV-1a of the context's full type name: string hashes differ from process to process.</summary>
    public static long KeyFor(string context) =>
        context.Aggregate(unchecked((long)0xcbf29ce484222325), (hash, c) => unchecked((hash ^ c) * 0x100000001b3));

    /// <summary>Opens a connection of its own (<paramref name="connect"/>), holds <paramref name="context"/>'s lock on it while <paramref name="migrate"/> runs, and closes it.</summary>
    public static async Task MigrateAsync(Func<NpgsqlConnection> connect, string context, Func<NpgsqlConnection, Task> migrate, CancellationToken cancellationToken)
    {
        var key = KeyFor(context);
        try
        {
            // Held on a connection of its own; a replica that dies releases it with its session.
            await using (var turn = connect())
            {
                await turn.OpenAsync(cancellationToken);
                await ExecuteAsync(turn, "SELECT pg_advisory_lock($1)", key, cancellationToken);
                try
                {
                    await migrate(turn);
                }
                finally
                {
                    // Explicitly: a pooled connection keeps its session, and the lock, until it is used again.
                    await ExecuteAsync(turn, "SELECT pg_advisory_unlock($1)", key, CancellationToken.None);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new EventerConfigurationException(PostgresConnection.Key, $"migrating the database failed: {ex.GetBaseException().Message}");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, long key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
