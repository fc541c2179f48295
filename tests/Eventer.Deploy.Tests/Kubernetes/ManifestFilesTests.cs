using k8s.Models;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>deploy/k8s is whole: every manifest is a Kubernetes object, every file is used, nothing is missing.</summary>
[Trait("Category", "Unit")]
public sealed class ManifestFilesTests
{
    private static readonly string K8s = RepositoryRoot.Combine("deploy", "k8s");

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void Every_manifest_loads_into_a_typed_Kubernetes_object(string root)
    {
        var set = ManifestSet.Of(root);

        Assert.NotEmpty(set.Objects);
        Assert.All(set.Objects, o => Assert.Equal("k8s.Models", o.Object.GetType().Namespace));
        Assert.All(set.Objects, o => Assert.False(string.IsNullOrEmpty(o.Manifest.Name), $"{o.Manifest} has no name"));
    }

    [Fact]
    public void Apply_k_on_deploy_k8s_applies_the_base()
    {
        static IEnumerable<string> Ids(ManifestSet set) => set.Build.Manifests.Select(m => $"{m.Kind} {m.Namespace}/{m.Name} {Yaml.Serialize(m.Node)}");

        Assert.Equal(Ids(ManifestSet.Of("base")), Ids(ManifestSet.Of(".")));
    }

    [Fact]
    public void Every_kustomization_under_deploy_k8s_is_one_the_tests_build()
    {
        var built = ManifestSet.Roots.SelectMany(r => ManifestSet.Of(r).Build.Directories).ToHashSet();
        var present = Directory.EnumerateFiles(K8s, Kustomize.FileName, SearchOption.AllDirectories).Select(f => Path.GetDirectoryName(f)!);

        Assert.All(present, dir => Assert.Contains(dir, built));
    }

    [Fact]
    public void Every_file_in_a_kustomization_folder_is_one_it_uses()
    {
        var used = ManifestSet.Roots.SelectMany(r => ManifestSet.Of(r).Build.Files).ToHashSet();
        var folders = ManifestSet.Roots.SelectMany(r => ManifestSet.Of(r).Build.Directories).Where(d => d.StartsWith(K8s, StringComparison.Ordinal)).Distinct();

        var unused = folders
            .SelectMany(Directory.EnumerateFiles)
            .Where(f => Path.GetFileName(f) != "README.md")
            .Where(f => !used.Contains(f))
            .Select(Manifest.Display)
            .ToList();
        Assert.True(unused.Count == 0, "not used by any kustomization: " + string.Join(", ", unused));
    }

    [Theory]
    [InlineData("base")]
    [InlineData("overlays/dev")]
    public void Files_are_numbered_in_apply_order(string root)
    {
        var directory = RepositoryRoot.Combine("deploy", "k8s", root);
        var resources = Yaml.LoadDocuments(Path.Combine(directory, Kustomize.FileName)).Single().Strings("resources")
            .Where(r => File.Exists(Path.Combine(directory, r)))
            .ToList();

        Assert.NotEmpty(resources);
        Assert.All(resources, r => Assert.Matches(@"^\d\d-[a-z0-9.-]+\.yaml$", r));
        Assert.Equal(resources.Order(StringComparer.Ordinal), resources);
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void Everything_namespaced_is_in_the_eventer_namespace_which_enforces_the_restricted_pod_standard(string root)
    {
        var set = ManifestSet.Of(root);
        var clusterScoped = new[] { "Namespace", "ClusterRole", "ClusterRoleBinding" };

        Assert.All(set.Build.Manifests.Where(m => !clusterScoped.Contains(m.Kind)), m => Assert.Equal("eventer", m.Namespace));
        var @namespace = set.Single<V1Namespace>("eventer");
        Assert.Equal("restricted", @namespace.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
    }

    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void The_dashboards_come_along_as_a_configmap_the_grafana_sidecar_loads(string root)
    {
        var dashboards = Assert.Single(ManifestSet.Of(root).All<V1ConfigMap>(), c => c.Metadata.Name == "eventer-grafana-dashboards");

        Assert.Equal("eventer", dashboards.Metadata.NamespaceProperty);
        Assert.Equal("1", dashboards.Metadata.Labels["grafana_dashboard"]);
        Assert.Equal(
            Directory.GetFiles(RepositoryRoot.Combine("deploy", "grafana", "dashboards"), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal),
            dashboards.Data.Keys.Order(StringComparer.Ordinal));
    }
}
