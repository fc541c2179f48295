using System.Net.Sockets;
using Eventer.Testing.Fixtures;
using Npgsql;

namespace Eventer.Testing.Tests.Fixtures;

/// <summary>A dedicated PostgreSQL really goes down and comes back with its data, while the shared one stays up.</summary>
[Trait("Category", "Fault")]
public sealed class DedicatedPostgresTests
{
    [Fact]
    public async Task Keeps_its_rows_across_a_stop_and_a_kill_and_is_gone_when_disposed()
    {
        await using var server = await PostgresServer.StartDedicatedAsync();
        var database = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("ft")) { Pooling = false }.ConnectionString;
        await ExecuteAsync(database, "CREATE TABLE notes (id int PRIMARY KEY, note text); INSERT INTO notes VALUES (1, 'before the stop')");

        await server.StopAsync();

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(database, "SELECT 1"));
        await ExecuteAsync((await PostgresServer.GetAsync()).ConnectionString, "SELECT 1");

        await server.StartAsync();

        await ExecuteAsync(database, "INSERT INTO notes VALUES (2, 'before the kill')");
        await server.KillAsync();
        await server.StartAsync();

        Assert.Equal("before the stop|before the kill", await ScalarAsync(database, "SELECT string_agg(note, '|' ORDER BY id) FROM notes"));

        var port = new NpgsqlConnectionStringBuilder(server.ConnectionString).Port;
        await server.DisposeAsync();

        using var late = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync("127.0.0.1", port));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync();
    }
}
