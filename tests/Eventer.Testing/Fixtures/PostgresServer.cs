using Npgsql;
using Testcontainers.PostgreSql;

namespace Eventer.Testing.Fixtures;

/// <summary>
/// A real PostgreSQL: the one named by <c>EVENTER_TEST_POSTGRES</c> (an Npgsql connection string
/// with rights to create databases), else a container. Each test takes its own database.
/// </summary>
public sealed class PostgresServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _shared;

    internal PostgresServer(string connectionString) => ConnectionString = connectionString;

    /// <summary>The administrative connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>The process-wide server, started on first use.</summary>
    public static async Task<PostgresServer> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _shared ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Starts a server of the caller's own, for a test that stops, kills and starts the server process
    /// while other tests keep using the shared one. Dispose it when done.
    /// </summary>
    public static Task<DedicatedPostgres> StartDedicatedAsync() => DedicatedPostgres.StartNewAsync();

    private static async Task<PostgresServer> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable("EVENTER_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new PostgresServer(configured);
        }

        var container = new PostgreSqlBuilder("postgres:15").Build();
        await container.StartAsync();
        return new PostgresServer(container.GetConnectionString());
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        var name = $"{prefix ?? "test"}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }
}
