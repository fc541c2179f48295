using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;
using Eventer.Testing.Network;

namespace Eventer.Collector.Tests.Outbox;

/// <summary>The real server processes stopped and started mid-stream (servers of these tests' own, so no other test notices).</summary>
[Trait("Category", "Fault")]
public sealed class ServerRestartTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task RabbitMQ_stopped_mid_stream_and_started_again_loses_and_doubles_nothing()
    {
        await using var broker = await RabbitMqServer.StartDedicatedAsync();
        await using var rig = await CollectorRig.CreateAsync(rabbitMq: await broker.CreateVirtualHostAsync("collector"));

        // The collector reaches the broker through a proxy only so that, after the restart, it is
        // let back in once the broker has recovered the probe's durable queue and binding: what it
        // publishes before that would be routed nowhere, and the probe could not count it.
        await using var gate = await TcpProxy.StartForAmqpAsync(rig.RabbitMq);
        await rig.StartCollectorAsync(rabbitMq: gate.RouteAmqp(rig.RabbitMq));
        var before = rig.AddEvents("before", 10);
        await rig.Probe.WaitForAsync(r => r.Count == 10, "the first ten published");

        gate.Cut();
        await broker.StopAsync();
        var during = rig.AddEvents("during", 30);
        rig.Api.Modify(before[0], KubeEvents.Repeat);
        await Eventually.HoldsAsync(async () => await rig.UnsentAsync() == 31, Slow, "31 rows waiting while the broker is down");
        await broker.StartAsync();
        await Eventually.HoldsAsync(rig.Probe.ExistsAsync, Slow, "the probe queue recovered");
        gate.Restore();

        await rig.Probe.WaitForAsync(r => during.All(uid => r.Any(o => o.EventUid == uid)) && r.Any(o => o.EventUid == before[0] && o.Occurrence == 2),
            "everything observed while the broker was down", Slow);
        await rig.SettleAsync(Slow);
        Assert.Empty(rig.Probe.Doubled());
        Assert.Equal(0, await rig.UnsentAsync());
    }

    [Fact]
    public async Task PostgreSQL_stopped_mid_stream_and_started_again_loses_and_doubles_nothing()
    {
        await using var database = await PostgresServer.StartDedicatedAsync();
        await using var rig = await CollectorRig.CreateAsync(postgres: await database.CreateDatabaseAsync("collector"));
        var collector = await rig.StartCollectorAsync();
        rig.AddEvents("before", 10);
        await rig.Probe.WaitForAsync(r => r.Count == 10, "the first ten published");

        await database.StopAsync();
        var during = rig.AddEvents("during", 30);
        await Eventually.HoldsAsync(async () => !await IsReadyAsync(collector), Slow, "readiness to report the outbox failing");
        await database.StartAsync();

        await rig.Probe.WaitForAsync(r => during.All(uid => r.Any(o => o.EventUid == uid)), "everything observed while the database was down", Slow);
        await rig.SettleAsync(Slow);
        await collector.WaitUntilReadyAsync(Slow);
        Assert.Empty(rig.Probe.Doubled());
    }

    private static async Task<bool> IsReadyAsync(Microsoft.AspNetCore.Builder.WebApplication app)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(app.Address(), "/health/ready"));
        return response.IsSuccessStatusCode;
    }
}
