using System.Net;
using System.Net.Sockets;

namespace Eventer.Testing.Tests.Network;

/// <summary>
/// A loopback TCP server that sends back whatever it receives and half-closes when its client
/// does: the plainest peer to check the proxy's byte stream against.
/// </summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _handlers = [];
    private readonly Task _acceptLoop;
    private int _open;

    public EchoServer()
    {
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections the server has accepted and not yet closed.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Task[] handlers;
        lock (_handlers)
        {
            handlers = [.. _handlers];
        }

        await Task.WhenAll(handlers);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _open);
            lock (_handlers)
            {
                _handlers.Add(Task.Run(() => EchoAsync(socket)));
            }
        }
    }

    private async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[8192];
        try
        {
            int received;
            while ((received = await socket.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, received), SocketFlags.None, _stopping.Token);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Reset by the proxy, or the server is stopping.
        }
        finally
        {
            socket.Dispose();
            Interlocked.Decrement(ref _open);
        }
    }
}
