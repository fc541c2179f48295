using System.Text;
using k8s;
using k8s.Models;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>A kustomization under <c>deploy/k8s</c>, built and typed once for every test that reads it.</summary>
public sealed class ManifestSet
{
    /// <summary>Every kustomization a user may apply, by its path below <c>deploy/k8s</c>.</summary>
    public static readonly IReadOnlyList<string> Roots = [".", "base", "overlays/dev"];

    private static readonly Dictionary<string, Lazy<ManifestSet>> Sets = Roots.ToDictionary(r => r, r => new Lazy<ManifestSet>(() => new ManifestSet(r)));

    private ManifestSet(string root)
    {
        Root = root;
        Build = Kustomize.Build(RepositoryRoot.Combine("deploy", "k8s", root));
        Objects = Build.Manifests.Select(m => (m, m.ToObject())).ToList();
    }

    public string Root { get; }

    public KustomizeBuild Build { get; }

    public IReadOnlyList<(Manifest Manifest, object Object)> Objects { get; }

    public static ManifestSet Of(string root) => Sets[root].Value;

    public static TheoryData<string> RootNames() => [.. Roots];

    public IEnumerable<T> All<T>() => Objects.Select(o => o.Object).OfType<T>();

    public T Single<T>(string name)
        where T : IMetadata<V1ObjectMeta> =>
        All<T>().SingleOrDefault(o => o.Metadata.Name == name) ?? throw new InvalidOperationException($"{Root}: no {typeof(T).Name} {name}");

    /// <summary>The pod templates of every workload, named <c>Kind/name</c>.</summary>
    public IEnumerable<(string Owner, V1ObjectMeta Metadata, V1PodTemplateSpec Template)> PodTemplates() =>
        All<V1Deployment>().Select(d => ($"Deployment/{d.Metadata.Name}", d.Metadata, d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => ($"StatefulSet/{s.Metadata.Name}", s.Metadata, s.Spec.Template)));

    /// <summary>Every container that runs an eventer image, with its workload and service.</summary>
    public IEnumerable<(V1Deployment Deployment, V1Container Container, EventerService Service)> EventerContainers() =>
        from d in All<V1Deployment>()
        from c in d.Spec.Template.Spec.Containers
        let service = EventerService.ForImage(c.Image)
        where service is not null
        select (d, c, service);

    public (V1Deployment Deployment, V1Container Container) EventerContainer(EventerService service)
    {
        var (deployment, container, _) = EventerContainers().Single(c => c.Service == service);
        return (deployment, container);
    }

    /// <summary>The environment <paramref name="service"/>'s container starts with, in the shape docker-compose.yml's has.</summary>
    public IReadOnlyDictionary<string, string?> EventerEnvironment(EventerService service)
    {
        var (deployment, container) = EventerContainer(service);
        return Environment(deployment.Metadata, container).ToDictionary(e => e.Key, e => (string?)e.Value);
    }

    /// <summary>A Secret's values as the API server stores them: <c>data</c>, overwritten by <c>stringData</c>.</summary>
    public IReadOnlyDictionary<string, string> SecretValues(string name, string? @namespace)
    {
        var secret = All<V1Secret>().SingleOrDefault(s => s.Metadata.Name == name && s.Metadata.NamespaceProperty == @namespace)
            ?? throw new InvalidOperationException($"{Root}: no Secret {@namespace}/{name}");
        var values = (secret.Data ?? new Dictionary<string, byte[]>()).ToDictionary(d => d.Key, d => Encoding.UTF8.GetString(d.Value));
        foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }

        return values;
    }

    public IReadOnlyDictionary<string, string>? ConfigMapData(string name, string? @namespace) =>
        All<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == name && c.Metadata.NamespaceProperty == @namespace) is { } map
            ? (IReadOnlyDictionary<string, string>)(map.Data ?? new Dictionary<string, string>()).ToDictionary()
            : null;

    /// <summary>
    /// The environment a container starts with, as the kubelet makes it: envFrom first, then env in
    /// order (a later name wins); values from ConfigMaps, Secrets and the downward API. A reference
    /// to a missing ConfigMap, Secret or key (not marked optional) is an error, as it stops the pod.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment(V1ObjectMeta owner, V1Container container)
    {
        var @namespace = owner.NamespaceProperty;
        var where = $"{Root}: {owner.Name}/{container.Name}";
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            var values = source.ConfigMapRef is { } map ? ConfigMapData(map.Name, @namespace) ?? Missing(map.Optional, $"ConfigMap {map.Name}")
                : source.SecretRef is { } secret ? TrySecret(secret.Name, @namespace) ?? Missing(secret.Optional, $"Secret {secret.Name}")
                : throw new NotSupportedException(where);
            foreach (var (key, value) in values)
            {
                environment[source.Prefix + key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            var from = variable.ValueFrom;
            var value = from is null ? variable.Value ?? ""
                : from.SecretKeyRef is { } secret ? Key(TrySecret(secret.Name, @namespace), secret.Key, secret.Optional, $"Secret {secret.Name}")
                : from.ConfigMapKeyRef is { } map ? Key(ConfigMapData(map.Name, @namespace), map.Key, map.Optional, $"ConfigMap {map.Name}")
                : from.FieldRef?.FieldPath switch
                {
                    "metadata.namespace" => @namespace ?? "default",
                    "metadata.name" => owner.Name + "-pod",
                    _ => throw new NotSupportedException($"{where}: {variable.Name} from {from.FieldRef?.FieldPath ?? "a resource field"}"),
                };
            if (value is not null)
            {
                environment[variable.Name] = value;
            }
        }

        return environment;

        IReadOnlyDictionary<string, string> Missing(bool? optional, string what) =>
            optional == true ? new Dictionary<string, string>() : throw new InvalidOperationException($"{where}: {what} does not exist; the pod would not start");

        string? Key(IReadOnlyDictionary<string, string>? values, string key, bool? optional, string what) =>
            values?.GetValueOrDefault(key) ?? (optional == true ? null : throw new InvalidOperationException($"{where}: {what} has no key {key}; the pod would not start"));

        IReadOnlyDictionary<string, string>? TrySecret(string name, string? ns) =>
            All<V1Secret>().Any(s => s.Metadata.Name == name && s.Metadata.NamespaceProperty == ns) ? SecretValues(name, ns) : null;
    }
}
