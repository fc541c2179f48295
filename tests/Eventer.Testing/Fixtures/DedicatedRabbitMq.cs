using System.Net.Sockets;
using Eventer.Testing.Network;
using Testcontainers.RabbitMq;

namespace Eventer.Testing.Fixtures;

/// <summary>
/// A RabbitMQ broker of one test's own, for the fault tests that really stop, kill and start the
/// server process: the shared broker that every other test uses is never touched. Its data (virtual
/// hosts, durable queues, persistent messages) and its ports survive a stop or a kill. Get one from
/// <see cref="RabbitMqServer.StartDedicatedAsync"/>; dispose it to delete it.
/// </summary>
/// <remarks>
/// Under <c>.ci/run</c> (<c>EVENTER_TEST_RABBITMQ_CTL</c> set) it is a separate node run by
/// <c>deploy/local/servers/rabbitmq-ctl.sh</c> with its own state, ports and node name; otherwise a container of its
/// own. Either takes several seconds to start.
/// </remarks>
public sealed class DedicatedRabbitMq : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);

    private readonly IServerProcess _process;
    private readonly RabbitMqServer _server;
    private int _disposed;

    private DedicatedRabbitMq(IServerProcess process, Uri amqp, Uri management)
    {
        _process = process;
        _server = new RabbitMqServer(amqp, management);
        Management = management;
    }

    /// <summary>The broker's amqp URI (default virtual host); the same after every restart.</summary>
    public Uri Amqp => _server.Amqp;

    /// <summary>The base URI of the broker's management API.</summary>
    public Uri Management { get; }

    /// <inheritdoc cref="RabbitMqServer.CreateVirtualHostAsync"/>
    public Task<string> CreateVirtualHostAsync(string? prefix = null) => _server.CreateVirtualHostAsync(prefix);

    /// <inheritdoc cref="RabbitMqServer.GetQueueAsync"/>
    public Task<QueueCounts?> GetQueueAsync(string amqpUri, string queue) => _server.GetQueueAsync(amqpUri, queue);

    /// <summary>Starts the broker again (same data, same ports); returns once AMQP and the management API answer.</summary>
    public async Task StartAsync()
    {
        await _process.StartAsync();
        await WaitUntilAnsweringAsync();
    }

    /// <summary>Stops the broker gracefully (clients get a connection-forced close); returns once it is down.</summary>
    public Task StopAsync() => _process.StopAsync();

    /// <summary>Kills the broker like a crash (no goodbye to clients, no clean shutdown); returns once it is down.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>Kills the broker and deletes all its data.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _server.Dispose();
        await _process.DisposeAsync();
    }

    internal static async Task<DedicatedRabbitMq> StartNewAsync()
    {
        DedicatedRabbitMq broker;
        if (CtlScriptProcess.Script("EVENTER_TEST_RABBITMQ_CTL") is { } ctl)
        {
            var process = await CtlScriptProcess.CreateAsync("rabbitmq", ctl);
            broker = new DedicatedRabbitMq(process,
                new Uri(process.Settings["EVENTER_TEST_RABBITMQ"]),
                new Uri(process.Settings["EVENTER_TEST_RABBITMQ_MANAGEMENT"]));
        }
        else
        {
            // Fixed host ports: Docker would pick new random ones on every start.
            var (amqpPort, managementPort) = (LoopbackPort.Free(), LoopbackPort.Free());
            var container = new RabbitMqBuilder("rabbitmq:3.13-management")
                .WithUsername("eventer")
                .WithPassword("eventer")
                .WithPortBinding(amqpPort, 5672)
                .WithPortBinding(managementPort, 15672)
                .Build();
            // erlang:halt/0 ends the VM at once, with no clean shutdown: a crash, whatever pid 1 is.
            var process = new ContainerProcess(container, ["rabbitmqctl", "eval", "erlang:halt()."]);
            broker = new DedicatedRabbitMq(process,
                new Uri($"amqp://eventer:eventer@{container.Hostname}:{amqpPort}/"),
                new Uri($"http://{container.Hostname}:{managementPort}/"));
        }

        try
        {
            await broker.StartAsync();
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    // The ctl script waits for the same; a container's log-based wait may be satisfied by the
    // previous run's log lines after a restart.
    private Task WaitUntilAnsweringAsync() =>
        Eventually.HoldsAsync(async () =>
        {
            try
            {
                await _server.GetOverviewAsync();
                using var amqp = new TcpClient();
                await amqp.ConnectAsync(Amqp.Host, Amqp.Port);
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException)
            {
                return false;
            }
        }, ReadyTimeout, $"dedicated RabbitMQ at {Amqp.Host}:{Amqp.Port} to answer");
}
