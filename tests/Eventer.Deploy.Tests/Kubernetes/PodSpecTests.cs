using Eventer.Archive;
using Eventer.ServiceDefaults;
using k8s.Models;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>How every eventer pod runs: health on 8084, locked down, sized, scraped, and protected from drains.</summary>
[Trait("Category", "Unit")]
public sealed class PodSpecTests
{
    private const int Port = ServiceDefaultsExtensions.DefaultPort;

    // The "app" user of the official .NET images.
    private const long AppUser = 1654;

    public static TheoryData<string, string> Containers()
    {
        var data = new TheoryData<string, string>();
        foreach (var root in ManifestSet.Roots)
        {
            foreach (var service in EventerService.All)
            {
                data.Add(root, service.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void Every_service_runs_once_from_its_own_tagged_image(string root)
    {
        var containers = ManifestSet.Of(root).EventerContainers().ToList();

        Assert.Equal(EventerService.All.Select(s => s.Name).Order(), containers.Select(c => c.Service.Name).Order());
        Assert.All(containers, c =>
        {
            Assert.Equal(c.Service.Name, c.Deployment.Metadata.Name);
            Assert.Equal(c.Service.Name, c.Container.Name);
            Assert.Matches($"^{c.Service.Image}:[A-Za-z0-9_][A-Za-z0-9_.-]*$", c.Container.Image);
            Assert.DoesNotMatch(":latest$", c.Container.Image);
        });
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Liveness_and_readiness_are_the_health_endpoints_on_8084(string root, string service)
    {
        var (_, container) = ManifestSet.Of(root).EventerContainer(EventerService.Named(service));

        Assert.Equal(Port, Assert.Single(container.Ports, p => p.Name == "http").ContainerPort);
        Assert.Equal(("/health/live", Port), HttpGet(container, container.LivenessProbe));
        Assert.Equal(("/health/ready", Port), HttpGet(container, container.ReadinessProbe));
        if (container.StartupProbe is not null)
        {
            Assert.Equal(("/health/live", Port), HttpGet(container, container.StartupProbe));
        }
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void The_pod_and_its_container_run_non_root_read_only_without_capabilities_or_escalation(string root, string service)
    {
        var (deployment, container) = ManifestSet.Of(root).EventerContainer(EventerService.Named(service));
        var pod = deployment.Spec.Template.Spec.SecurityContext;
        var own = container.SecurityContext;

        Assert.True(pod.RunAsNonRoot);
        Assert.Equal(AppUser, pod.RunAsUser);
        Assert.Equal("RuntimeDefault", pod.SeccompProfile?.Type);
        Assert.True(own.RunAsNonRoot);
        Assert.Equal(AppUser, own.RunAsUser ?? pod.RunAsUser);
        Assert.False(own.AllowPrivilegeEscalation);
        Assert.True(own.ReadOnlyRootFilesystem);
        Assert.NotEqual(true, own.Privileged);
        Assert.Equal(["ALL"], own.Capabilities?.Drop);
        Assert.Empty(own.Capabilities?.Add ?? []);
        Assert.Equal("RuntimeDefault", own.SeccompProfile?.Type);
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Tmp_is_a_writable_empty_dir_since_the_root_filesystem_is_not(string root, string service)
    {
        var (deployment, container) = ManifestSet.Of(root).EventerContainer(EventerService.Named(service));

        var mount = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.NotEqual(true, mount.ReadOnlyProperty);
        Assert.NotNull(Assert.Single(deployment.Spec.Template.Spec.Volumes, v => v.Name == mount.Name).EmptyDir);
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Requests_and_limits_are_set_with_room_for_a_peak(string root, string service)
    {
        var (_, container) = ManifestSet.Of(root).EventerContainer(EventerService.Named(service));
        var resources = container.Resources;

        Assert.True(resources.Limits["memory"].ToDecimal() >= 384m * 1024 * 1024, $"{service}: a memory limit below 384Mi is below the bench's peak RSS (up to 305 MB)");
        Assert.True(resources.Requests["memory"].ToDecimal() <= resources.Limits["memory"].ToDecimal());
        Assert.True(resources.Requests["cpu"].ToDecimal() > 0);
        Assert.True(resources.Requests["cpu"].ToDecimal() <= resources.Limits["cpu"].ToDecimal());
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Prometheus_scrapes_metrics_on_8084(string root, string service)
    {
        var (deployment, _) = ManifestSet.Of(root).EventerContainer(EventerService.Named(service));
        var annotations = deployment.Spec.Template.Metadata.Annotations;

        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal($"{Port}", annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void Every_workload_has_one_disruption_budget_and_the_collector_keeps_a_replica(string root)
    {
        var set = ManifestSet.Of(root);
        var budgets = set.All<V1PodDisruptionBudget>().ToList();

        foreach (var (deployment, _, service) in set.EventerContainers())
        {
            var labels = deployment.Spec.Template.Metadata.Labels;
            var budget = Assert.Single(budgets, b => b.Spec.Selector.MatchLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value));
            Assert.True(
                deployment.Spec.Replicas > 1 ? budget.Spec.MinAvailable?.Value == "1" : budget.Spec.MaxUnavailable?.Value == "1",
                $"{service}: {deployment.Spec.Replicas} replica(s) need minAvailable 1 (several) or maxUnavailable 1 (one, or drains block)");
        }
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void The_archive_api_is_a_service_on_8084(string root)
    {
        var set = ManifestSet.Of(root);
        var (deployment, container) = set.EventerContainer(EventerService.Named(ArchiveHost.ServiceName));
        var service = set.Single<V1Service>(ArchiveHost.ServiceName);

        Assert.All(service.Spec.Selector, s => Assert.Equal(s.Value, deployment.Spec.Template.Metadata.Labels[s.Key]));
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(Port, port.Port);
        Assert.Equal(Port, PortNumber(container, port.TargetPort));
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void Other_pods_meet_the_restricted_pod_standard_and_are_sized(string root)
    {
        var others = ManifestSet.Of(root).PodTemplates()
            .Where(p => p.Template.Spec.Containers.All(c => EventerService.ForImage(c.Image) is null));

        Assert.All(others, p =>
        {
            var pod = p.Template.Spec.SecurityContext;
            Assert.True(pod?.RunAsNonRoot, $"{p.Owner}: runAsNonRoot");
            Assert.True(pod?.RunAsUser > 0, $"{p.Owner}: a numeric non-root user");
            Assert.Equal("RuntimeDefault", pod?.SeccompProfile?.Type);
            Assert.All(p.Template.Spec.Containers, c =>
            {
                Assert.False(c.SecurityContext?.AllowPrivilegeEscalation ?? true, $"{p.Owner}/{c.Name}: allowPrivilegeEscalation");
                Assert.Equal(["ALL"], c.SecurityContext?.Capabilities?.Drop);
                Assert.True(c.Resources?.Requests?.ContainsKey("memory") == true && c.Resources.Limits?.ContainsKey("memory") == true, $"{p.Owner}/{c.Name}: memory");
            });
        });
    }

    private static (string? Path, int Port) HttpGet(V1Container container, V1Probe? probe)
    {
        Assert.NotNull(probe?.HttpGet);
        return (probe.HttpGet.Path, PortNumber(container, probe.HttpGet.Port));
    }

    /// <summary>A port as a probe or Service names it: a number, or the name of one of the container's ports.</summary>
    private static int PortNumber(V1Container container, IntOrString port) =>
        int.TryParse(port.Value, out var number) ? number : Assert.Single(container.Ports, p => p.Name == port.Value).ContainerPort;
}
