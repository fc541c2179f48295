using Eventer.Testing.Network;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Eventer.Testing.Fixtures;

/// <summary>
/// A PostgreSQL server of one test's own, for the fault tests that really stop, kill and start the
/// server process: the shared server that every other test uses is never touched. Its data and its
/// port survive a stop or a kill. Get one from <see cref="PostgresServer.StartDedicatedAsync"/>;
/// dispose it to delete it.
/// </summary>
/// <remarks>
/// Under <c>.ci/run</c> (<c>EVENTER_TEST_POSTGRES_CTL</c> set) it is a separate cluster run by
/// <c>deploy/local/servers/postgres-ctl.sh</c> with its own data directory and port; otherwise a container of its own.
/// Connections pooled by Npgsql do not survive a restart: the first use of each fails, as it would
/// in production.
/// </remarks>
public sealed class DedicatedPostgres : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(1);

    private readonly IServerProcess _process;
    private readonly PostgresServer _server;
    private int _disposed;

    private DedicatedPostgres(IServerProcess process, string connectionString)
    {
        _process = process;
        // Unpooled: the kit's own admin connections must not trip over a restart.
        _server = new PostgresServer(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
    }

    /// <summary>The superuser's connection string (database <c>postgres</c>, unpooled); the same after every restart.</summary>
    public string ConnectionString => _server.ConnectionString;

    /// <inheritdoc cref="PostgresServer.CreateDatabaseAsync"/>
    public Task<string> CreateDatabaseAsync(string? prefix = null) => _server.CreateDatabaseAsync(prefix);

    /// <summary>Starts the server again (same data, same port); returns once it accepts connections.</summary>
    public async Task StartAsync()
    {
        await _process.StartAsync();
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync();
                return true;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, ReadyTimeout, "dedicated PostgreSQL to accept connections");
    }

    /// <summary>Stops the server cleanly (fast shutdown: sessions are ended, then a checkpoint); returns once it is down.</summary>
    public Task StopAsync() => _process.StopAsync();

    /// <summary>Stops the server like a crash (immediate shutdown: WAL recovery on the next start); returns once it is down.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>Kills the server and deletes all its data.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _process.DisposeAsync();
    }

    internal static async Task<DedicatedPostgres> StartNewAsync()
    {
        DedicatedPostgres server;
        if (CtlScriptProcess.Script("EVENTER_TEST_POSTGRES_CTL") is { } ctl)
        {
            var process = await CtlScriptProcess.CreateAsync("postgres", ctl);
            server = new DedicatedPostgres(process, process.Settings["EVENTER_TEST_POSTGRES"]);
        }
        else
        {
            // A fixed host port: Docker would pick a new random one on every start.
            var port = LoopbackPort.Free();
            var container = new PostgreSqlBuilder("postgres:15")
                .WithUsername("postgres")
                .WithPassword("postgres")
                .WithDatabase("postgres")
                .WithPortBinding(port, 5432)
                .Build();
            // SIGQUIT is the postmaster's immediate shutdown; it is pid 1, which takes only signals it handles.
            var process = new ContainerProcess(container, ["sh", "-c", "kill -QUIT 1"]);
            server = new DedicatedPostgres(process,
                $"Host={container.Hostname};Port={port};Username=postgres;Password=postgres;Database=postgres");
        }

        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}
