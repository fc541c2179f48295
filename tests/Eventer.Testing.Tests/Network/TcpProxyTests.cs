using System.Net;
using System.Net.Sockets;
using Eventer.Testing.Network;
using Npgsql;

namespace Eventer.Testing.Tests.Network;

/// <summary>The proxy's byte stream and its outages, against an in-process echo server.</summary>
[Trait("Category", "Unit")]
public sealed class TcpProxyTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    // How long "nothing arrives" is watched for: absence has no condition to wait on.
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    private readonly EchoServer _echo = new();
    private TcpProxy _proxy = null!;

    public async Task InitializeAsync() => _proxy = await TcpProxy.StartAsync("127.0.0.1", _echo.Port);

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _echo.DisposeAsync();
    }

    [Fact]
    public async Task Carries_a_megabyte_each_way_and_passes_a_half_close_on()
    {
        var sent = new byte[1024 * 1024];
        Random.Shared.NextBytes(sent);
        using var client = await ConnectAsync();

        // Write and read at once: the echo stalls if nobody reads what it sends back.
        var writing = Task.Run(async () =>
        {
            await client.SendAsync(sent, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
        });
        var received = await ReadToEndAsync(client);
        await writing;

        Assert.Equal(sent, received);
    }

    [Fact]
    public async Task Cut_resets_open_connections_and_new_ones_until_restored()
    {
        using var open = await ConnectAsync();
        await RoundTripAsync(open);
        Assert.Equal(1, _proxy.OpenConnections);

        _proxy.Cut();

        Assert.True(_proxy.IsCut);
        Assert.Equal(0, _proxy.OpenConnections);
        AssertReset(await Assert.ThrowsAsync<SocketException>(() => RoundTripAsync(open)));
        // Depending on when the reset arrives, the connect or the first exchange fails.
        AssertReset(await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var refused = await ConnectAsync();
            await RoundTripAsync(refused);
        }));

        await Eventually.HoldsAsync(() => _echo.OpenConnections == 0, Deadline, "the server side of the cut connection to be reset");

        _proxy.Restore();

        using var again = await ConnectAsync();
        await RoundTripAsync(again);
        Assert.Equal(1, _proxy.OpenConnections);
    }

    [Fact]
    public async Task Freeze_holds_bytes_both_ways_closes_nothing_and_thaw_delivers_them_in_order()
    {
        // A server of the test's own, so it can speak first: each direction is checked apart.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.Host, proxy.Port);
        using var server = await listener.AcceptSocketAsync();
        await SendAsync(client, "hello");
        Assert.Equal("hello", await ReceiveAsync(server, 5));

        proxy.Freeze();

        Assert.True(proxy.IsFrozen);
        await SendAsync(client, "up-1");
        await SendAsync(server, "down-1");
        await Continually.HoldsForAsync(() => !server.Poll(0, SelectMode.SelectRead) && !client.Poll(0, SelectMode.SelectRead),
            Quiet, "no byte to pass a frozen proxy");
        await SendAsync(client, "up-2");
        await SendAsync(server, "down-2");
        Assert.Equal(1, proxy.OpenConnections);

        proxy.Thaw();

        Assert.False(proxy.IsFrozen);
        Assert.Equal("up-1up-2", await ReceiveAsync(server, 8));
        Assert.Equal("down-1down-2", await ReceiveAsync(client, 12));
        await SendAsync(client, "after");
        Assert.Equal("after", await ReceiveAsync(server, 5));
    }

    [Fact]
    public async Task A_close_during_a_freeze_reaches_the_server_only_after_the_thaw()
    {
        var open = await ConnectAsync();
        await RoundTripAsync(open);

        _proxy.Freeze();
        open.Dispose();

        await Continually.HoldsForAsync(() => _echo.OpenConnections == 1 && _proxy.OpenConnections == 1, Quiet,
            "the server side to stay open while frozen");

        _proxy.Thaw();

        await Eventually.HoldsAsync(() => _echo.OpenConnections == 0 && _proxy.OpenConnections == 0, Deadline,
            "the close to reach the server after the thaw");
    }

    [Fact]
    public async Task A_connection_made_during_a_freeze_is_accepted_and_hangs_until_the_thaw()
    {
        _proxy.Freeze();

        using var late = await ConnectAsync();
        await SendAsync(late, "ping");

        await Continually.HoldsForAsync(() => !late.Poll(0, SelectMode.SelectRead) && _echo.OpenConnections == 0 && _proxy.OpenConnections == 1, Quiet,
            "the connection to hang, the server never reached");

        _proxy.Thaw();

        Assert.Equal("ping", await ReceiveAsync(late, 4));
        Assert.Equal(1, _echo.OpenConnections);
    }

    [Fact]
    public async Task Cut_during_a_freeze_resets_the_frozen_connections_and_restore_ends_both()
    {
        using var open = await ConnectAsync();
        await RoundTripAsync(open);
        _proxy.Freeze();

        _proxy.Cut();

        AssertReset(await Assert.ThrowsAsync<SocketException>(() => RoundTripAsync(open)));
        await Eventually.HoldsAsync(() => _echo.OpenConnections == 0, Deadline, "the server side of the frozen connection to be reset");

        _proxy.Restore();

        Assert.False(_proxy.IsFrozen);
        Assert.False(_proxy.IsCut);
        using var again = await ConnectAsync();
        await RoundTripAsync(again);
    }

    [Fact]
    public async Task Serves_a_hundred_connections_at_once_and_forgets_them_when_closed()
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ConnectAsync()));
        await Task.WhenAll(clients.Select(RoundTripAsync));

        Assert.Equal(100, _proxy.OpenConnections);
        Assert.Equal(100, _echo.OpenConnections);

        foreach (var client in clients)
        {
            client.Dispose();
        }

        await Eventually.HoldsAsync(() => _proxy.OpenConnections == 0 && _echo.OpenConnections == 0, Deadline,
            "all hundred connections to be closed on both sides");
    }

    [Fact]
    public async Task A_connection_to_a_server_that_is_down_is_reset()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", closedPort);

        AssertReset(await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(proxy.Host, proxy.Port);
            await RoundTripAsync(client);
        }));
        Assert.Equal(0, proxy.OpenConnections);
    }

    [Fact]
    public async Task Dispose_resets_its_connections_and_stops_listening()
    {
        using var open = await ConnectAsync();
        await RoundTripAsync(open);

        await _proxy.DisposeAsync();

        AssertReset(await Assert.ThrowsAsync<SocketException>(() => RoundTripAsync(open)));
        await Eventually.HoldsAsync(() => _echo.OpenConnections == 0, Deadline, "the server side to be closed");
        using var late = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(_proxy.Host, _proxy.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public void Routes_an_amqp_uri_with_its_credentials_and_virtual_host()
    {
        Assert.Equal($"amqp://us%40r:p%3Ass@127.0.0.1:{_proxy.Port}/vhost-1%2Fa?heartbeat=5",
            _proxy.RouteAmqp("amqp://us%40r:p%3Ass@rabbit.example:5673/vhost-1%2Fa?heartbeat=5"));
        Assert.Equal($"amqp://127.0.0.1:{_proxy.Port}/", _proxy.RouteAmqp("amqp://localhost/"));
    }

    [Fact]
    public void Routes_an_npgsql_connection_string_with_its_other_settings()
    {
        var routed = new NpgsqlConnectionStringBuilder(
            _proxy.RoutePostgres("Host=db.example;Port=5433;Username=u;Password=p;Database=d;Pooling=false"));

        Assert.Equal(("127.0.0.1", _proxy.Port), (routed.Host, routed.Port));
        Assert.Equal(("u", "p", "d", false), (routed.Username, routed.Password, routed.Database, routed.Pooling));
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_proxy.Host, _proxy.Port);
        return socket;
    }

    private static async Task RoundTripAsync(Socket socket)
    {
        var ping = "ping"u8.ToArray();
        await socket.SendAsync(ping, SocketFlags.None);
        var pong = new byte[ping.Length];
        for (var read = 0; read < pong.Length;)
        {
            var n = await socket.ReceiveAsync(pong.AsMemory(read), SocketFlags.None);
            if (n == 0)
            {
                throw new IOException("connection closed instead of echoing");
            }

            read += n;
        }

        Assert.Equal(ping, pong);
    }

    private static async Task SendAsync(Socket socket, string text) =>
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(text), SocketFlags.None);

    private static async Task<string> ReceiveAsync(Socket socket, int length)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var buffer = new byte[length];
        for (var read = 0; read < length;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                throw new IOException("connection closed early");
            }

            read += n;
        }

        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        return received.ToArray();
    }

    private static void AssertReset(SocketException e) => Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
}
