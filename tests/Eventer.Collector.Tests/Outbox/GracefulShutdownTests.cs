using System.Diagnostics.Metrics;
using Eventer.Testing;
using Eventer.Testing.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;

namespace Eventer.Collector.Tests.Outbox;

[Trait("Category", "Integration")]
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task A_graceful_stop_publishes_everything_it_accepted_before_exiting()
    {
        await using var rig = await CollectorRig.CreateAsync();
        await using var broker = await TcpProxy.StartForAmqpAsync(rig.RabbitMq);
        // A long back-off: once the broker is back, the relay is still pausing when the stop comes.
        var collector = await rig.StartCollectorAsync(new() { ["Collector:Outbox:MaxBackoff"] = "00:00:30" },
            rabbitMq: broker.RouteAmqp(rig.RabbitMq));
        using var published = new MetricCollector<long>(collector.Services.GetRequiredService<IMeterFactory>(),
            CollectorMetrics.Name, "eventer.collector.occurrences.published");

        // The broker is out of reach while 300 events are stored: they are unsent when the stop
        // begins, and only the stop's drain can publish them.
        broker.Cut();
        rig.AddEvents("web", 300);
        await Eventually.HoldsAsync(async () => await rig.UnsentAsync() == 300, TimeSpan.FromSeconds(30), "300 rows waiting in the outbox");
        await rig.Probe.PollAsync();
        Assert.Empty(rig.Probe.Received);
        broker.Restore();

        var publishedBeforeStop = published.GetMeasurementSnapshot().EvaluateAsCounter();
        await collector.StopAsync();

        Assert.Equal(0, publishedBeforeStop);
        Assert.Equal(300, published.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(300, await StoredAsync(rig));
        Assert.Equal(0, await rig.UnsentAsync());
        await rig.Probe.WaitForAsync(r => r.Count >= 300, "the 300 stored occurrences at the probe queue");
        Assert.Equal(300, rig.Probe.Received.Count);
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
