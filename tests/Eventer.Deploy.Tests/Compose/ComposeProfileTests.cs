namespace Eventer.Deploy.Tests.Compose;

/// <summary>
/// What `docker compose up` starts for each documented command: plain `up` (COMPOSE_PROFILES=k3s from
/// .env), `--profile sim`, `--profile own`. Both compose generations start the services without
/// profiles plus those of the active ones, and refuse a depends_on on a service that is not active.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ComposeProfileTests
{
    private static readonly string[] Always =
        ["rabbitmq", "postgres", "elasticsearch", "kibana", "jaeger", "prometheus", "grafana", "archive", "es-indexer", "dingtalk-notifier", "webhook-notifier"];

    [Theory]
    [InlineData("", "collector", "k3s")]
    [InlineData("sim", "collector-sim", "simcluster")]
    [InlineData("own", "collector-own", null)]
    public void Each_profile_runs_everything_with_exactly_one_collector_and_its_cluster(string profile, string collector, string? cluster)
    {
        var compose = ComposeFile.Load();
        var enabled = (profile.Length == 0 ? compose.Enabled() : compose.Enabled(profile)).Select(s => s.Name).ToHashSet();

        Assert.Subset(enabled, Always.ToHashSet());
        Assert.Equal(collector, Assert.Single(compose.Services.Values, s => s.EventerImage == "collector" && enabled.Contains(s.Name)).Name);
        foreach (var clusterService in new[] { "k3s", "simcluster" })
        {
            Assert.Equal(clusterService == cluster, enabled.Contains(clusterService));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("sim")]
    [InlineData("own")]
    public void Every_dependency_is_active_in_the_same_profile_and_has_a_condition_it_can_meet(string profile)
    {
        var compose = ComposeFile.Load();
        var enabled = (profile.Length == 0 ? compose.Enabled() : compose.Enabled(profile)).ToDictionary(s => s.Name);
        foreach (var service in enabled.Values)
        {
            foreach (var (dependency, condition) in service.DependsOn)
            {
                Assert.True(enabled.TryGetValue(dependency, out var target), $"{service.Name} depends on {dependency}, which profile '{profile}' does not start");
                Assert.True(condition is "service_healthy" or "service_completed_successfully", $"{service.Name} → {dependency}: say what to wait for (service_healthy or service_completed_successfully), not {condition}");
                if (condition == "service_healthy")
                {
                    Assert.True(target!.HealthCheck.Count > 0, $"{service.Name} waits for {dependency} to be healthy, but {dependency} has no healthcheck");
                }
            }
        }
    }

    [Fact]
    public void Plain_up_takes_its_profile_from_dot_env()
    {
        Assert.Equal("k3s", ComposeFile.Load().Variables["COMPOSE_PROFILES"]);
    }
}
