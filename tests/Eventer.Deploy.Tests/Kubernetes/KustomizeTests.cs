using System.Text;
using k8s.Models;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>
/// The loader the manifest tests stand on builds what kustomize builds, for the features used here,
/// among them the one deploy/grafana will bring: a folder of its own with a configMapGenerator of
/// dashboards, listed as a resource of the base.
/// </summary>
[Trait("Category", "Unit")]
public sealed class KustomizeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("eventer-kustomize-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_folder_resource_is_built_with_its_generators_and_the_parents_namespace()
    {
        Write("deploy/grafana/kustomization.yaml", """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            generatorOptions:
              disableNameSuffixHash: true
              labels:
                grafana_dashboard: "1"
            configMapGenerator:
              - name: eventer-dashboards
                files:
                  - pipeline.json
                  - events.json=dashboards/events-by-reason.json
                options:
                  annotations:
                    grafana_folder: eventer
            """);
        Write("deploy/grafana/pipeline.json", """{ "title": "pipeline" }""");
        Write("deploy/grafana/dashboards/events-by-reason.json", """{ "title": "events" }""");
        Write("deploy/k8s/base/kustomization.yaml", """
            namespace: eventer
            resources:
              - 00-namespace.yaml
              - ../../grafana
            secretGenerator:
              - name: servers
                literals:
                  - PASSWORD='dev only'
                  - URL=amqp://a:b@c:5672/?x=1
            """);
        Write("deploy/k8s/base/00-namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: eventer\n");

        var build = Kustomize.Build(Path.Combine(_root, "deploy/k8s/base"));
        var objects = build.Manifests.Select(m => m.ToObject()).ToList();

        var dashboards = Assert.Single(objects.OfType<V1ConfigMap>());
        Assert.Equal(("eventer-dashboards", "eventer"), (dashboards.Metadata.Name, dashboards.Metadata.NamespaceProperty));
        Assert.Equal("1", dashboards.Metadata.Labels["grafana_dashboard"]);
        Assert.Equal("eventer", dashboards.Metadata.Annotations["grafana_folder"]);
        Assert.Equal("""{ "title": "pipeline" }""", dashboards.Data["pipeline.json"]);
        Assert.Equal("""{ "title": "events" }""", dashboards.Data["events.json"]);
        var secret = Assert.Single(objects.OfType<V1Secret>());
        Assert.Equal("dev only", Encoding.UTF8.GetString(secret.Data["PASSWORD"]));
        Assert.Equal("amqp://a:b@c:5672/?x=1", Encoding.UTF8.GetString(secret.Data["URL"]));
        Assert.Equal("eventer", secret.Metadata.NamespaceProperty);
        Assert.Null(Assert.Single(objects.OfType<V1Namespace>()).Metadata.NamespaceProperty);
        Assert.Equal(
            ["deploy/grafana/dashboards/events-by-reason.json", "deploy/grafana/kustomization.yaml", "deploy/grafana/pipeline.json", "deploy/k8s/base/00-namespace.yaml", "deploy/k8s/base/kustomization.yaml"],
            build.Files.Select(f => Path.GetRelativePath(_root, f)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_overlay_patches_maps_and_retags_images_of_its_base()
    {
        Write("base/kustomization.yaml", "namespace: eventer\nresources: [app.yaml]\nimages: [{ name: eventer/app, newTag: \"1.0\" }]\n");
        Write("base/app.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: { name: s }
            stringData: { a: one, b: two, c: three }
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: app }
            spec:
              selector: { matchLabels: { app: x } }
              template:
                metadata: { labels: { app: x } }
                spec:
                  initContainers: [{ name: init, image: "registry.example:5000/tools:3" }]
                  containers: [{ name: app, image: eventer/app }, { name: side, image: eventer/app-sidecar:2 }]
            """);
        Write("dev/kustomization.yaml", """
            resources: [../base]
            patches:
              - path: secret.yaml
            images:
              - name: eventer/app
                newName: registry.example/eventer/app
                newTag: dev
              - name: registry.example:5000/tools
                digest: sha256:0123
            """);
        Write("dev/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: eventer }\nstringData: { b: changed, c: null, d: added }\n");

        var objects = Kustomize.Build(Path.Combine(_root, "dev")).Manifests.Select(m => m.ToObject()).ToList();

        Assert.Equal(new Dictionary<string, string> { ["a"] = "one", ["b"] = "changed", ["d"] = "added" }, Assert.Single(objects.OfType<V1Secret>()).StringData);
        var pod = Assert.Single(objects.OfType<V1Deployment>()).Spec.Template.Spec;
        Assert.Equal(["registry.example/eventer/app:dev", "eventer/app-sidecar:2"], pod.Containers.Select(c => c.Image));
        Assert.Equal("registry.example:5000/tools@sha256:0123", Assert.Single(pod.InitContainers).Image);
    }

    [Theory]
    [InlineData("commonLabels: { a: b }\nresources: [a.yaml]\n", "'commonLabels' is not supported")]
    [InlineData("resources: [missing.yaml]\n", "resource 'missing.yaml' does not exist")]
    [InlineData("resources: [.]\n", "resources form a cycle")]
    [InlineData("resources: [a.yaml, a.yaml]\n", "ConfigMap a is defined 2 times")]
    [InlineData("resources: [a.yaml]\npatches: [{ path: a.yaml, target: { kind: ConfigMap } }]\n", "patch field 'target' is not supported")]
    [InlineData("resources: [a.yaml]\npatches: [{ patch: \"apiVersion: v1\\nkind: ConfigMap\\nmetadata: { name: b }\\n\" }]\n", "patch of ConfigMap b matches 0 objects")]
    [InlineData("resources: [a.yaml]\npatches: [{ patch: \"apiVersion: v1\\nkind: ConfigMap\\nmetadata: { name: a }\\nlist: [1]\\n\" }]\n", "patching the list 'list'")]
    [InlineData("configMapGenerator: [{ name: g, behavior: merge, literals: [a=b] }]\n", "behavior 'merge'")]
    public void What_it_cannot_build_faithfully_it_refuses_by_name(string kustomization, string reason)
    {
        Write("kustomization.yaml", kustomization);
        Write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n");

        var exception = Record.Exception(() => Kustomize.Build(_root));

        Assert.Contains(reason, exception?.Message);
    }

    [Fact]
    public void A_field_the_kind_does_not_have_is_refused_when_typed()
    {
        Write("kustomization.yaml", "resources: [a.yaml]\n");
        Write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndatta: { a: b }\n");

        var manifest = Assert.Single(Kustomize.Build(_root).Manifests);

        Assert.Contains("datta", Assert.Throws<InvalidDataException>(manifest.ToObject).Message);
    }

    [Fact]
    public void An_unknown_kind_is_refused_when_typed()
    {
        Write("kustomization.yaml", "resources: [a.yaml]\n");
        Write("a.yaml", "apiVersion: v1\nkind: ConfigMapp\nmetadata: { name: a }\n");

        var manifest = Assert.Single(Kustomize.Build(_root).Manifests);

        Assert.Contains("ConfigMapp", Assert.Throws<InvalidDataException>(manifest.ToObject).Message);
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
