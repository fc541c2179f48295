using Eventer.ServiceDefaults;
using Eventer.Testing;
using Eventer.Testing.Kubernetes;

namespace Eventer.Collector.Tests;

/// <summary>
/// The collector as its image ships it: compiled ahead of time and trimmed (<see cref="NativeBuild"/>;
/// bash .ci/run publishes it). What trimming can break — options bound or validated by reflection,
/// JSON read or written by reflection, code nothing seemed to call — breaks here, not in a cluster.
/// The end-to-end kill and fail-over tests run this build too (<see cref="ServiceProcess.Start"/>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class NativeCollectorTests
{
    private const string Project = "Eventer.Collector";

    [Fact]
    public async Task The_native_collector_publishes_each_occurrence_once_across_a_relist_and_serves_health_and_metrics()
    {
        var executable = NativeBuild.Required(Project);
        await using var rig = await CollectorRig.CreateAsync();
        var listed = rig.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off restarting failed container"));

        await using var collector = ServiceProcess.Start(Project, new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rig.RabbitMq,
            ["ConnectionStrings:postgres"] = rig.Postgres,
            ["Collector:ClusterName"] = "native",
            ["Collector:Kubeconfig"] = rig.Kubeconfig,
            ["Collector:Drop:0:Reason"] = "Pulled",
        });
        Assert.True(collector.IsNative);
        Assert.Equal(executable, new FileInfo($"/proc/{collector.Id}/exe").ResolveLinkTarget(returnFinalTarget: true)?.FullName);
        await collector.WaitUntilReadyAsync();
        await rig.Probe.WaitForAsync(KubeEvents.Uid(listed));

        // Watched: a repeat, a new event, one dropped by rule; then a 410 and the relist it forces.
        rig.Api.Modify(KubeEvents.Uid(listed), KubeEvents.Repeat);
        var watched = rig.Api.Add(KubeEvents.CoreV1("shop", "web-2", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"));
        rig.Api.Add(KubeEvents.CoreV1("shop", "web-2", "Pulled", "Successfully pulled image"));
        await rig.Probe.WaitForAsync(KubeEvents.Uid(listed), occurrence: 2);
        await rig.Probe.WaitForAsync(KubeEvents.Uid(watched));
        rig.Api.ExpireOpenWatches();
        var afterRelist = rig.Api.Add(KubeEvents.CoreV1("kube-system", "dns-1", "FailedScheduling", "0/3 nodes are available"));
        await rig.Probe.WaitForAsync(KubeEvents.Uid(afterRelist));
        await Task.Delay(TimeSpan.FromSeconds(1)); // room for a duplicate or the dropped event to arrive
        await rig.Probe.PollAsync();

        Assert.Empty(rig.Probe.Doubled());
        Assert.Equal(4, rig.Probe.Received.Count); // listed ×2, watched, after the relist; not the Pulled one
        using var http = new HttpClient { BaseAddress = collector.Address };
        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("\"status\":\"Healthy\"", await ready.Content.ReadAsStringAsync());
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("eventer_collector_occurrences_published_total", metrics);
        Assert.Contains("eventer_collector_occurrences_dropped_total", metrics);
    }

    [Theory]
    [MemberData(nameof(CollectorStartupTests.BadSettings), MemberType = typeof(CollectorStartupTests))]
    public async Task A_bad_setting_stops_the_native_collector_with_the_line_the_jit_build_writes(string key, string value, string expected)
    {
        NativeBuild.Required(Project);
        await using var collector = ServiceProcess.Start(Project, new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = "Host=127.0.0.1;Port=1;Database=x",
            ["ConnectionStrings:rabbitmq"] = "amqp://guest:guest@127.0.0.1:1/",
            ["Collector:ClusterName"] = "native",
            [key] = value,
        });

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await collector.WaitForExitAsync(deadline.Token);

        Assert.Equal(EventerHost.ConfigurationErrorExitCode, collector.ExitCode);
        var line = Assert.Single(collector.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("collector: cannot start: ", line);
        Assert.Contains(expected, line);
    }
}
