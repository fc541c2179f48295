using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Eventer.Collector;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Microsoft.AspNetCore.Builder;

namespace Eventer.SimCluster.Tests;

/// <summary>The simulated cluster as a person runs it, read by the real collector through the kubeconfig it writes.</summary>
[Trait("Category", "Integration")]
public sealed partial class SimClusterProgramTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _kubeconfig = Path.Combine(Path.GetTempPath(), $"simcluster-{Guid.NewGuid():N}.kubeconfig");

    [Theory]
    [InlineData("core/v1")]
    [InlineData("events.k8s.io/v1")]
    public async Task A_collector_reads_every_occurrence_of_a_burst_once(string api)
    {
        await using var sim = ServiceProcess.Start("Eventer.SimCluster", new Dictionary<string, string?>(),
            ["--burst", "400", "--port", "0", "--api", api, "--kubeconfig", _kubeconfig]);
        await Eventually.HoldsAsync(() => BurstDone().IsMatch(sim.Output), Deadline, "the burst made");
        var burst = BurstDone().Match(sim.Output);
        Assert.InRange(int.Parse(burst.Groups[1].Value, CultureInfo.InvariantCulture), 400, 500);
        // Started after the burst, the collector lists each Event once as it is now: one occurrence per Event.
        var events = int.Parse(burst.Groups[2].Value, CultureInfo.InvariantCulture);

        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("sim");
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("sim");
        await using var probe = await ProbeQueue.BindAsync(rabbitMq);
        await using var collector = CollectorHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = postgres,
            ["Collector:ClusterName"] = "sim",
            ["Collector:Api"] = api,
            ["Collector:Kubeconfig"] = _kubeconfig,
            ["Collector:Outbox:RelayPollInterval"] = "00:00:00.200",
        }));
        await collector.StartAsync();

        await probe.WaitForAsync(r => r.Count >= events, $"{events} occurrences published", Deadline);
        await Continually.HoldsForAsync(async () =>
        {
            await probe.PollAsync();
            return probe.Received.Count == events;
        }, TimeSpan.FromSeconds(2), "no more than one occurrence per Event");
        Assert.Empty(probe.Doubled());
        Assert.Equal(events, probe.Received.Select(r => r.EventUid).Distinct().Count());
    }

    [Fact]
    public async Task A_bad_flag_stops_it_with_the_reason_and_the_usage()
    {
        await using var sim = ServiceProcess.Start("Eventer.SimCluster", new Dictionary<string, string?>(), ["--rate", "fast"]);

        await Eventually.HoldsAsync(() => sim.Output.Contains("usage:", StringComparison.Ordinal), Deadline, "the usage");
        Assert.Contains("simcluster: --rate must be a number from 0.01 to 1000000, not 'fast'", sim.Output);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_ends_it(string signal)
    {
        await using var sim = ServiceProcess.Start("Eventer.SimCluster", new Dictionary<string, string?>(),
            ["--demo", "--port", "0", "--kubeconfig", _kubeconfig]);
        await Eventually.HoldsAsync(() => sim.Output.Contains("changes a second", StringComparison.Ordinal), Deadline, "the simulation started");

        using (var kill = Process.Start("kill", [$"-{signal}", sim.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        // A supervisor (deploy/local/up.sh, systemd, a container runtime) stops it with SIGTERM and
        // must not find it still making events, or have to kill it.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await sim.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the simulated cluster still runs 30 s after SIG{signal}:\n{sim.Output}");
        }

        Assert.Contains("simcluster: stopped after", sim.Output);
    }

    public void Dispose() => File.Delete(_kubeconfig);

    [GeneratedRegex(@"burst done: (\d+) occurrences \((\d+) events\)")]
    private static partial Regex BurstDone();
}
