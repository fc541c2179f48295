using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Eventer.Testing.Network;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a real server. A test routes one service through it and
/// makes an outage without touching the server that other tests share: <see cref="Cut"/> resets
/// open connections and new ones as soon as they arrive (a refused or broken path);
/// <see cref="Freeze"/> stops every byte and closes nothing (a peer that vanished: node loss, a
/// partition). <see cref="Restore"/> ends either.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private const int BufferSize = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Connection> _connections = [];
    private readonly Task _acceptLoop;
    private bool _cut;

    // Completed while bytes flow; a fresh, pending one while frozen.
    private TaskCompletionSource _thawed = Completed();
    private int _disposed;

    private TcpProxy(string targetHost, int targetPort)
    {
        TargetHost = targetHost;
        TargetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The address clients connect to instead of the server's: always <c>127.0.0.1</c>.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The proxy's own (ephemeral) port.</summary>
    public int Port { get; }

    /// <summary>The server's host.</summary>
    public string TargetHost { get; }

    /// <summary>The server's port.</summary>
    public int TargetPort { get; }

    /// <summary>True between <see cref="Cut"/> and <see cref="Restore"/>.</summary>
    public bool IsCut
    {
        get
        {
            lock (_gate)
            {
                return _cut;
            }
        }
    }

    /// <summary>True between <see cref="Freeze"/> and <see cref="Thaw"/> (or <see cref="Restore"/>).</summary>
    public bool IsFrozen
    {
        get
        {
            lock (_gate)
            {
                return !_thawed.Task.IsCompleted;
            }
        }
    }

    /// <summary>Client connections the proxy holds open now (accepted and neither closed nor reset).</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count(c => !c.IsClosed);
            }
        }
    }

    /// <summary>Starts a proxy that forwards every connection to <paramref name="targetHost"/>:<paramref name="targetPort"/>.</summary>
    public static Task<TcpProxy> StartAsync(string targetHost, int targetPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetHost);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetPort, IPEndPoint.MaxPort);
        return Task.FromResult(new TcpProxy(targetHost, targetPort));
    }

    /// <summary>Starts a proxy in front of the broker of an amqp(s) URI; route clients with <see cref="RouteAmqp"/>.</summary>
    public static Task<TcpProxy> StartForAmqpAsync(string amqpUri)
    {
        var uri = new Uri(amqpUri);
        var port = uri.Port > 0 ? uri.Port : uri.Scheme == "amqps" ? 5671 : 5672;
        return StartAsync(uri.Host, port);
    }

    /// <summary>Starts a proxy in front of the server of an Npgsql connection string; route clients with <see cref="RoutePostgres"/>.</summary>
    public static Task<TcpProxy> StartForPostgresAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.Host) || builder.Host.Contains(','))
        {
            throw new ArgumentException("Needs a connection string with exactly one Host.", nameof(connectionString));
        }

        return StartAsync(builder.Host, builder.Port);
    }

    /// <summary>
    /// The same amqp URI with this proxy's host and port: credentials, virtual host and query are kept
    /// exactly as they are (still escaped).
    /// </summary>
    public string RouteAmqp(string amqpUri)
    {
        var uri = new Uri(amqpUri);
        var credentials = uri.UserInfo.Length > 0 ? uri.UserInfo + "@" : "";
        return $"{uri.Scheme}://{credentials}{Host}:{Port}{uri.PathAndQuery}";
    }

    /// <summary>The same Npgsql connection string with this proxy's host and port.</summary>
    public string RoutePostgres(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = Host, Port = Port }.ConnectionString;

    /// <summary>
    /// Starts an outage: every open connection is reset (RST to both client and server), and
    /// connections arriving until <see cref="Restore"/> are reset right after they are accepted.
    /// </summary>
    public void Cut()
    {
        Connection[] open;
        lock (_gate)
        {
            _cut = true;
            open = [.. _connections];
        }

        foreach (var connection in open)
        {
            connection.Reset();
        }
    }

    /// <summary>
    /// Starts a silent outage, what a vanished peer looks like: nothing is forwarded in either
    /// direction, and nothing is closed or reset. Open connections stay open on both sides (a
    /// client that closes or resets its end is not passed on); new connections are accepted and
    /// then hang, not connected to the server. Only timeouts end a call into a frozen connection.
    /// Unlike a vanished host, the proxy's kernel still acknowledges TCP keepalive probes, so the
    /// server never gives a frozen session up by keepalive: a test sees the worst case.
    /// </summary>
    /// <remarks>
    /// Bytes the proxy had already handed to the kernel before the call still arrive (at most one
    /// buffer per direction and connection).
    /// </remarks>
    public void Freeze()
    {
        lock (_gate)
        {
            if (_thawed.Task.IsCompleted)
            {
                _thawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>
    /// Ends a <see cref="Freeze"/>, as a healed partition does: everything held is delivered, in
    /// order — the bytes both sides sent meanwhile, and then any close or reset — and connections
    /// that arrived meanwhile are connected to the server. Nothing is dropped: TCP retransmits
    /// until the path is back, so a stream never loses bytes in its middle; a peer that gave up
    /// meanwhile learns it from the other side's reset or close, as it would.
    /// </summary>
    public void Thaw()
    {
        lock (_gate)
        {
            _thawed.TrySetResult();
        }
    }

    /// <summary>Ends an outage, cut or frozen: new connections are forwarded again, frozen ones flow again (see <see cref="Thaw"/>).</summary>
    public void Restore()
    {
        lock (_gate)
        {
            _cut = false;
            _thawed.TrySetResult();
        }
    }

    /// <summary>Stops listening, resets every connection and waits until all forwarding has ended.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;

        Connection[] all;
        lock (_gate)
        {
            _cut = true;
            all = [.. _connections];
        }

        foreach (var connection in all)
        {
            connection.Reset();
        }

        // The accept loop has ended, so every connection has its handler by now.
        await Task.WhenAll(all.Select(c => c.Handler!));
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException ||
                                      (e is SocketException && _stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // A client that gave up while waiting in the backlog; the listener is fine. (Anything
                // else ends the loop, and DisposeAsync rethrows it.)
                continue;
            }

            var connection = new Connection(client);
            lock (_gate)
            {
                if (_cut)
                {
                    connection.Reset();
                    continue;
                }

                _connections.Add(connection);
            }

            // Task.Run: the handler must not run its first steps on the accept loop (or under the lock).
            connection.Handler = Task.Run(() => ForwardAsync(connection));
        }
    }

    private async Task ForwardAsync(Connection connection)
    {
        try
        {
            // A frozen server is not reached: the client's connection hangs until the thaw.
            if (!await ThawedAsync(connection))
            {
                return;
            }

            var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (!connection.Attach(upstream))
            {
                return;
            }

            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                timeout.CancelAfter(ConnectTimeout);
                try
                {
                    await upstream.ConnectAsync(TargetHost, TargetPort, timeout.Token);
                }
                catch (Exception e) when (IsConnectionError(e))
                {
                    // The server is down: the client sees its connection reset, much as if refused.
                    connection.Reset();
                    return;
                }
            }

            await Task.WhenAll(
                PumpAsync(connection.Client, upstream, connection),
                PumpAsync(upstream, connection.Client, connection));
            connection.Close();
        }
        finally
        {
            // A no-op after a clean close; after anything unexpected, no socket is left open.
            connection.Reset();
            lock (_gate)
            {
                _connections.Remove(connection);
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Connection connection)
    {
        var buffer = new byte[BufferSize];
        while (true)
        {
            int received;
            try
            {
                received = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
            }
            catch (Exception e) when (IsConnectionError(e))
            {
                // A reset on one side resets the other, as a broken network path would (after a
                // freeze, as a healed one would).
                if (await ThawedAsync(connection))
                {
                    connection.Reset();
                }

                return;
            }

            // Whatever arrived, data or a close, waits here while frozen.
            if (!await ThawedAsync(connection))
            {
                return;
            }

            try
            {
                if (received == 0)
                {
                    // Pass the half-close on; the other direction may still have data to carry.
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                for (var sent = 0; sent < received;)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, received - sent), SocketFlags.None, _stopping.Token);
                }
            }
            catch (Exception e) when (IsConnectionError(e))
            {
                connection.Reset();
                return;
            }
        }
    }

    /// <summary>Waits while the proxy is frozen; false when the connection was closed meanwhile (a cut, or the proxy disposed).</summary>
    private async Task<bool> ThawedAsync(Connection connection)
    {
        Task thawed;
        lock (_gate)
        {
            thawed = _thawed.Task;
        }

        if (!thawed.IsCompleted)
        {
            await Task.WhenAny(thawed, connection.Closed);
        }

        return !connection.IsClosed;
    }

    private static TaskCompletionSource Completed()
    {
        var completed = new TaskCompletionSource();
        completed.SetResult();
        return completed;
    }

    private static bool IsConnectionError(Exception e) =>
        e is SocketException or ObjectDisposedException or OperationCanceledException or IOException;

    /// <summary>One client connection and its upstream twin.</summary>
    private sealed class Connection(Socket client)
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _closedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Socket? _upstream;
        private bool _closed;

        public Socket Client { get; } = Configure(client);

        public Task? Handler { get; set; }

        /// <summary>Completes when the connection is closed or reset.</summary>
        public Task Closed => _closedSignal.Task;

        public bool IsClosed
        {
            get
            {
                lock (_gate)
                {
                    return _closed;
                }
            }
        }

        /// <summary>Pairs the upstream socket with the client; false (and disposed) if already reset.</summary>
        public bool Attach(Socket upstream)
        {
            lock (_gate)
            {
                if (_closed)
                {
                    upstream.Dispose();
                    return false;
                }

                _upstream = upstream;
                return true;
            }
        }

        /// <summary>Closes both sockets with RST (linger 0), so each peer sees "connection reset".</summary>
        public void Reset() => Close(abortive: true);

        /// <summary>Closes both sockets in the ordinary way, after both directions ended.</summary>
        public void Close() => Close(abortive: false);

        private void Close(bool abortive)
        {
            Socket? upstream;
            lock (_gate)
            {
                if (_closed)
                {
                    return;
                }

                _closed = true;
                upstream = _upstream;
            }

            Close(Client, abortive);
            if (upstream is not null)
            {
                Close(upstream, abortive);
            }

            _closedSignal.TrySetResult();
        }

        private static void Close(Socket socket, bool abortive)
        {
            if (abortive)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Already gone; disposing is all that is left to do.
                }

                socket.Close(0);
            }
            else
            {
                socket.Dispose();
            }
        }

        private static Socket Configure(Socket socket)
        {
            socket.NoDelay = true;
            return socket;
        }
    }
}
