using Eventer.Collector;
using Eventer.Collector.Leadership;
using Eventer.Contracts;
using k8s.Models;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>
/// Least privilege: the collector may read Events in the one API group it watches and hold its one
/// Lease; nothing else in eventer may touch the Kubernetes API.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RbacTests
{
    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void The_roles_grant_exactly_events_in_the_watched_group_and_the_collectors_one_lease(string root)
    {
        var set = ManifestSet.Of(root);
        var configuration = ServiceConfiguration.For(set, EventerService.Named(CollectorHost.ServiceName));
        var api = configuration.Bind<CollectorOptions>(CollectorOptions.Section).Api;
        var leadership = configuration.Bind<LeadershipOptions>(LeadershipOptions.Section);
        var eventsGroup = api == KubeEventApis.CoreV1 ? "" : "events.k8s.io";

        string[] expected =
        [
            .. ServiceConfiguration.Describe("ClusterRole", [new V1PolicyRule { Verbs = ["get", "list", "watch"], ApiGroups = [eventsGroup], Resources = ["events"] }]),
            .. ServiceConfiguration.Describe($"Role in {leadership.LeaseNamespace}",
            [
                new V1PolicyRule { Verbs = ["get", "update"], ApiGroups = ["coordination.k8s.io"], Resources = ["leases"], ResourceNames = [leadership.LeaseName] },
                new V1PolicyRule { Verbs = ["create"], ApiGroups = ["coordination.k8s.io"], Resources = ["leases"] },
            ]),
        ];
        var granted = set.All<V1ClusterRole>().SelectMany(r => ServiceConfiguration.Describe("ClusterRole", r.Rules))
            .Concat(set.All<V1Role>().SelectMany(r => ServiceConfiguration.Describe($"Role in {r.Metadata.NamespaceProperty}", r.Rules)));

        Assert.Equal(expected.Order(), granted.Order());
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void No_rule_has_a_wildcard(string root)
    {
        var set = ManifestSet.Of(root);
        var rules = set.All<V1ClusterRole>().SelectMany(r => r.Rules).Concat(set.All<V1Role>().SelectMany(r => r.Rules)).ToList();

        Assert.NotEmpty(rules);
        Assert.All(rules, rule => Assert.DoesNotContain(
            new[] { rule.Verbs, rule.ApiGroups, rule.Resources, rule.ResourceNames, rule.NonResourceURLs }.SelectMany(l => l ?? []),
            v => v.Contains('*', StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void Every_binding_binds_an_existing_role_to_the_collectors_service_account_only(string root)
    {
        var set = ManifestSet.Of(root);
        var (collector, _) = set.EventerContainer(EventerService.Named(CollectorHost.ServiceName));
        var account = $"ServiceAccount {collector.Metadata.NamespaceProperty}/{collector.Spec.Template.Spec.ServiceAccountName}";
        var bindings = set.All<V1ClusterRoleBinding>().Select(b => (b.RoleRef, b.Subjects, Namespace: (string?)null))
            .Concat(set.All<V1RoleBinding>().Select(b => (b.RoleRef, b.Subjects, Namespace: (string?)b.Metadata.NamespaceProperty)))
            .ToList();

        Assert.Equal(2, bindings.Count);
        Assert.All(bindings, binding =>
        {
            var subject = Assert.Single(binding.Subjects);
            Assert.Equal(account, $"{subject.Kind} {subject.NamespaceProperty}/{subject.Name}");
            Assert.True(binding.RoleRef.Kind == "ClusterRole"
                ? set.All<V1ClusterRole>().Any(r => r.Metadata.Name == binding.RoleRef.Name)
                : set.All<V1Role>().Any(r => r.Metadata.Name == binding.RoleRef.Name && r.Metadata.NamespaceProperty == binding.Namespace),
                $"{binding.RoleRef.Kind} {binding.RoleRef.Name} does not exist");
        });
        Assert.Contains(set.All<V1ServiceAccount>(), a => $"ServiceAccount {a.Metadata.NamespaceProperty}/{a.Metadata.Name}" == account);
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void Only_the_collectors_pods_get_a_service_account_token(string root)
    {
        var set = ManifestSet.Of(root);
        var accounts = set.All<V1ServiceAccount>().ToDictionary(a => (a.Metadata.NamespaceProperty, a.Metadata.Name));

        var withToken = set.PodTemplates()
            .Where(p =>
            {
                var name = p.Template.Spec.ServiceAccountName ?? "default";
                Assert.True(name == "default" || accounts.ContainsKey((p.Metadata.NamespaceProperty, name)), $"{p.Owner}: ServiceAccount {name} does not exist");
                return p.Template.Spec.AutomountServiceAccountToken
                    ?? accounts.GetValueOrDefault((p.Metadata.NamespaceProperty, name))?.AutomountServiceAccountToken
                    ?? true;
            })
            .Select(p => p.Owner);

        Assert.Equal(["Deployment/collector"], withToken);
    }
}
