using Eventer.Testing.Kubernetes;
using Npgsql;

namespace Eventer.Collector.Tests.Outbox;

[Trait("Category", "Integration")]
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task A_graceful_stop_publishes_everything_it_accepted_before_exiting()
    {
        await using var rig = await CollectorRig.CreateAsync();
        var collector = await rig.StartCollectorAsync(new() { ["Collector:Outbox:RelayPollInterval"] = "00:01:00" });
        for (var i = 0; i < 300; i++)
        {
            rig.Api.Add(KubeEvents.CoreV1("shop", $"web-{i}", "BackOff", $"Back-off {i}"));
        }

        await collector.StopAsync();

        var stored = await StoredAsync(rig);
        await rig.Probe.WaitForAsync(r => r.Count >= stored, $"the {stored} stored occurrences at the probe queue");
        Assert.Equal(0, await rig.UnsentAsync());
        Assert.Equal(stored, rig.Probe.Received.Count);
        Assert.Empty(rig.Probe.Doubled());
    }

    private static async Task<long> StoredAsync(CollectorRig rig)
    {
        await using var connection = new NpgsqlConnection(rig.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM collector.outbox", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
