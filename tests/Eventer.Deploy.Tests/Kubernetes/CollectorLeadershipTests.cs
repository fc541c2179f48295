using Eventer.Collector;
using Eventer.Collector.Leadership;
using k8s.Models;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>Two collector replicas are safe only with Lease leadership, on the Lease the Role grants.</summary>
[Trait("Category", "Unit")]
public sealed class CollectorLeadershipTests
{
    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void The_collector_runs_two_replicas_that_elect_a_leader_by_lease(string root)
    {
        var set = ManifestSet.Of(root);
        var (deployment, _) = set.EventerContainer(EventerService.Named(CollectorHost.ServiceName));
        var leadership = ServiceConfiguration.For(set, EventerService.Named(CollectorHost.ServiceName)).Bind<LeadershipOptions>(LeadershipOptions.Section);

        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal(LeadershipMode.Lease, leadership.Mode);
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void The_lease_the_collector_uses_is_the_one_the_role_names(string root)
    {
        var set = ManifestSet.Of(root);
        var leadership = ServiceConfiguration.For(set, EventerService.Named(CollectorHost.ServiceName)).Bind<LeadershipOptions>(LeadershipOptions.Section);

        var role = Assert.Single(set.All<V1Role>());
        var named = Assert.Single(role.Rules, r => r.ResourceNames is { Count: > 0 });
        Assert.Equal([leadership.LeaseName], named.ResourceNames);
        Assert.Equal(role.Metadata.NamespaceProperty, leadership.LeaseNamespace);
    }
}
