using System.Diagnostics;
using System.Text;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Network;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Eventer.Testing.Tests.Network;

/// <summary>Real AMQP and PostgreSQL clients through the proxy to the shared servers, and outages made with it.</summary>
[Trait("Category", "Integration")]
public sealed class TcpProxyServerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task An_amqp_connection_through_the_proxy_dies_with_a_cut_and_a_new_one_works_after_restore()
    {
        var vhost = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("proxy");
        await using var proxy = await TcpProxy.StartForAmqpAsync(vhost);
        var factory = new ConnectionFactory { Uri = new Uri(proxy.RouteAmqp(vhost)), AutomaticRecoveryEnabled = false };

        await using var connection = await factory.CreateConnectionAsync();
        Assert.Equal("through the proxy", await PublishAndGetAsync(connection, "through the proxy"));
        Assert.Equal(1, proxy.OpenConnections);

        proxy.Cut();

        await Eventually.HoldsAsync(() => !connection.IsOpen, Deadline, "the open AMQP connection to notice the cut");
        await Assert.ThrowsAsync<BrokerUnreachableException>(() => factory.CreateConnectionAsync());

        proxy.Restore();

        await using var again = await factory.CreateConnectionAsync();
        Assert.Equal("after the outage", await PublishAndGetAsync(again, "after the outage"));
    }

    [Fact]
    public async Task A_postgres_connection_through_the_proxy_dies_with_a_cut_and_a_new_one_works_after_restore()
    {
        var server = (await PostgresServer.GetAsync()).ConnectionString;
        await using var proxy = await TcpProxy.StartForPostgresAsync(server);
        var routed = new NpgsqlConnectionStringBuilder(proxy.RoutePostgres(server)) { Pooling = false }.ConnectionString;

        await using var connection = new NpgsqlConnection(routed);
        await connection.OpenAsync();
        Assert.Equal(1, await SelectOneAsync(connection));
        Assert.Equal(1, proxy.OpenConnections);

        proxy.Cut();

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => SelectOneAsync(connection));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => OpenAndSelectOneAsync(routed));

        proxy.Restore();

        Assert.Equal(1, await OpenAndSelectOneAsync(routed));
    }

    [Fact]
    public async Task A_postgres_session_behind_a_freeze_times_out_at_the_client_and_keeps_its_lock_at_the_server_until_the_thaw()
    {
        var server = (await PostgresServer.GetAsync()).ConnectionString;
        await using var proxy = await TcpProxy.StartForPostgresAsync(server);
        // Npgsql follows a timed-out command with a cancel request on a new connection, which hangs
        // too, for up to twice the connect Timeout (15 s by default): kept short here.
        var routed = new NpgsqlConnectionStringBuilder(proxy.RoutePostgres(server)) { Pooling = false, CommandTimeout = 1, Timeout = 2 }.ConnectionString;
        var key = Random.Shared.NextInt64();
        await using var direct = new NpgsqlConnection(server);
        await direct.OpenAsync();

        await using (var frozen = new NpgsqlConnection(routed))
        {
            await frozen.OpenAsync();
            await using var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_lock({key})", frozen);
            await lockCommand.ExecuteNonQueryAsync();

            proxy.Freeze();

            // No reset, no answer: only the client's own timeout ends the call.
            var started = Stopwatch.GetTimestamp();
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => SelectOneAsync(frozen));
            Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.9), Deadline);
        }

        // The client has given the session up; the server cannot know, so the lock stays taken.
        await Continually.HoldsForAsync(async () => !await TryLockAsync(direct, key), TimeSpan.FromSeconds(1), "the frozen session to keep its lock");

        proxy.Thaw();

        await Eventually.HoldsAsync(() => TryLockAsync(direct, key), Deadline, "the lock to be free once the client's close got through");
    }

    [Fact]
    public async Task Forty_postgres_connections_share_one_proxy()
    {
        var server = (await PostgresServer.GetAsync()).ConnectionString;
        await using var proxy = await TcpProxy.StartForPostgresAsync(server);
        var routed = new NpgsqlConnectionStringBuilder(proxy.RoutePostgres(server)) { Pooling = false }.ConnectionString;

        var connections = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            var connection = new NpgsqlConnection(routed);
            await connection.OpenAsync();
            return connection;
        }));
        try
        {
            Assert.Equal(Enumerable.Repeat(1, 40), await Task.WhenAll(connections.Select(SelectOneAsync)));
            Assert.Equal(40, proxy.OpenConnections);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        await Eventually.HoldsAsync(() => proxy.OpenConnections == 0, Deadline, "the closed connections to leave the proxy");
    }

    private static async Task<string> PublishAndGetAsync(IConnection connection, string text)
    {
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync($"proxied-{Guid.NewGuid():N}", durable: false, exclusive: false, autoDelete: false)).QueueName;
        await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes(text));
        BasicGetResult? result = null;
        await Eventually.HoldsAsync(async () => (result = await channel.BasicGetAsync(queue, autoAck: true)) is not null,
            Deadline, $"the message to arrive in {queue}");
        return Encoding.UTF8.GetString(result!.Body.Span);
    }

    private static async Task<int> SelectOneAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, long key)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({key})", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<int> OpenAndSelectOneAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await SelectOneAsync(connection);
    }
}
