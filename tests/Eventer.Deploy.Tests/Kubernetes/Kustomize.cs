using System.Text;
using YamlDotNet.RepresentationModel;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>
/// <c>kustomize build</c> for the features <c>deploy/</c> uses, so the tests read what
/// <c>kubectl apply -k</c> would apply without a kubectl here: <c>resources</c> (files, and
/// directories with their own kustomization, followed recursively by relative path),
/// <c>configMapGenerator</c> and <c>secretGenerator</c> (files, literals, env files, labels),
/// <c>patches</c> (strategic-merge patches of maps, by kind and name), <c>namespace</c> and
/// <c>images</c>, in kustomize's order: resources, generators, patches, namespace, images.
/// Anything else in a kustomization is refused by name, so a new feature is noticed instead of
/// silently skipped. One difference on purpose: generated objects keep their names without
/// kustomize's content-hash suffix; kustomize renames the references to them along with them, so a
/// reference resolves the same either way.
/// </summary>
public static class Kustomize
{
    public const string FileName = "kustomization.yaml";

    private static readonly HashSet<string> Fields =
        ["apiVersion", "kind", "resources", "namespace", "images", "patches", "configMapGenerator", "secretGenerator", "generatorOptions"];

    // kustomize's own list is longer; these are the cluster-scoped kinds a deployment here could hold.
    private static readonly HashSet<string> ClusterScoped =
    [
        "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass",
        "PriorityClass", "IngressClass", "RuntimeClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    ];

    /// <summary>Builds the kustomization in <paramref name="directory"/>.</summary>
    public static KustomizeBuild Build(string directory) => BuildCore(Path.GetFullPath(directory), []);

    private static KustomizeBuild BuildCore(string directory, HashSet<string> building)
    {
        var file = Path.Combine(directory, FileName);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{directory} has no {FileName}", file);
        }

        if (!building.Add(directory))
        {
            throw new InvalidOperationException($"{file}: resources form a cycle");
        }

        var kustomization = Yaml.LoadDocuments(file).Single();
        if (kustomization.Keys().FirstOrDefault(key => !Fields.Contains(key)) is { } unsupported)
        {
            throw new NotSupportedException($"{file}: '{unsupported}' is not supported by this loader; support it here or do without it");
        }

        if (kustomization.Scalar("kind") is not (null or "Kustomization"))
        {
            throw new InvalidDataException($"{file}: kind must be Kustomization");
        }

        var files = new List<string> { file };
        var directories = new List<string> { directory };
        var manifests = new List<Manifest>();
        foreach (var entry in kustomization.Strings("resources"))
        {
            if (entry.Contains("://", StringComparison.Ordinal))
            {
                throw new NotSupportedException($"{file}: remote resource '{entry}'");
            }

            var path = Path.GetFullPath(Path.Combine(directory, entry));
            if (Directory.Exists(path))
            {
                var child = BuildCore(path, building);
                manifests.AddRange(child.Manifests);
                files.AddRange(child.Files);
                directories.AddRange(child.Directories);
            }
            else if (File.Exists(path))
            {
                files.Add(path);
                manifests.AddRange(Yaml.LoadDocuments(path).Select(node => new Manifest(path, node)));
            }
            else
            {
                throw new FileNotFoundException($"{file}: resource '{entry}' does not exist", path);
            }
        }

        var options = GeneratorOptions(kustomization.Map("generatorOptions"), file);
        foreach (var generator in kustomization.Maps("configMapGenerator"))
        {
            manifests.Add(Generate("ConfigMap", generator, options, directory, files));
        }

        foreach (var generator in kustomization.Maps("secretGenerator"))
        {
            manifests.Add(Generate("Secret", generator, options, directory, files));
        }

        EnsureUnique(file, manifests);
        foreach (var patch in kustomization.Maps("patches"))
        {
            ApplyPatch(file, patch, directory, manifests, files);
        }

        if (kustomization.Scalar("namespace") is { Length: > 0 } @namespace)
        {
            foreach (var manifest in manifests)
            {
                SetNamespace(manifest.Node, @namespace);
            }
        }

        foreach (var image in kustomization.Maps("images"))
        {
            SetImage(file, image, manifests);
        }

        building.Remove(directory);
        return new KustomizeBuild(directory, manifests, files, directories);
    }

    private static Manifest Generate(string kind, YamlMappingNode generator, YamlMappingNode? generatorOptions, string directory, List<string> files)
    {
        var allowed = kind == "Secret" ? new[] { "name", "namespace", "behavior", "literals", "files", "envs", "options", "type" } : ["name", "namespace", "behavior", "literals", "files", "envs", "options"];
        if (generator.Keys().FirstOrDefault(k => !allowed.Contains(k)) is { } unsupported)
        {
            throw new NotSupportedException($"{kind} generator: '{unsupported}' is not supported by this loader");
        }

        if (generator.Scalar("behavior") is not (null or "create"))
        {
            throw new NotSupportedException($"{kind} generator: behavior '{generator.Scalar("behavior")}' (merge and replace are not supported by this loader)");
        }

        var name = generator.Scalar("name") ?? throw new InvalidDataException($"{kind} generator without a name in {directory}");
        var own = GeneratorOptions(generator.Map("options"), $"{kind} {name}");
        var values = new List<(string Key, string Value)>();
        foreach (var literal in generator.Strings("literals"))
        {
            var (key, value) = KeyValue(literal, $"{kind} {name}: literal");
            values.Add((key, Unquote(value)));
        }

        foreach (var entry in generator.Strings("files"))
        {
            var (key, relative) = entry.Contains('=', StringComparison.Ordinal) ? KeyValue(entry, $"{kind} {name}: file") : (Path.GetFileName(entry), entry);
            var path = Path.GetFullPath(Path.Combine(directory, relative));
            files.Add(path);
            values.Add((key, File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"{kind} {name}: file '{relative}' does not exist", path)));
        }

        foreach (var env in generator.Strings("envs"))
        {
            var path = Path.GetFullPath(Path.Combine(directory, env));
            files.Add(path);
            values.AddRange(File.ReadAllLines(path)
                .Select(line => line.Trim())
                .Where(line => line.Length > 0 && !line.StartsWith('#'))
                .Select(line => KeyValue(line, $"{kind} {name}: {env}")));
        }

        var metadata = new YamlMappingNode { { "name", name } };
        if (generator.Scalar("namespace") is { } @namespace)
        {
            metadata.Add("namespace", @namespace);
        }

        foreach (var field in new[] { "labels", "annotations" })
        {
            var merged = new YamlMappingNode();
            foreach (var source in new[] { generatorOptions?.Map(field), own?.Map(field) })
            {
                foreach (var (key, value) in source?.Entries() ?? [])
                {
                    merged.Set(key, Yaml.Clone(value));
                }
            }

            if (merged.Children.Count > 0)
            {
                metadata.Add(field, merged);
            }
        }

        var data = new YamlMappingNode();
        foreach (var (key, value) in values)
        {
            if (data.Get(key) is not null)
            {
                throw new InvalidDataException($"{kind} {name}: key '{key}' twice");
            }

            data.Add(key, kind == "Secret" ? Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) : Yaml.Quoted(value));
        }

        var node = new YamlMappingNode { { "apiVersion", "v1" }, { "kind", kind }, { "metadata", metadata } };
        if (kind == "Secret")
        {
            node.Add("type", generator.Scalar("type") ?? "Opaque");
        }

        node.Add("data", data);
        return new Manifest($"{kind.ToLowerInvariant()}Generator '{name}' in {Path.Combine(directory, FileName)}", node);
    }

    /// <summary>Labels and annotations; disableNameSuffixHash changes nothing here, since no name gets a hash.</summary>
    private static YamlMappingNode? GeneratorOptions(YamlMappingNode? options, string where) =>
        options?.Keys().FirstOrDefault(k => k is not ("labels" or "annotations" or "disableNameSuffixHash")) is { } unsupported
            ? throw new NotSupportedException($"{where}: generator option '{unsupported}' is not supported by this loader")
            : options;

    private static void ApplyPatch(string file, YamlMappingNode entry, string directory, List<Manifest> manifests, List<string> files)
    {
        if (entry.Keys().FirstOrDefault(k => k is not ("path" or "patch")) is { } unsupported)
        {
            throw new NotSupportedException($"{file}: patch field '{unsupported}' is not supported by this loader (patches are matched by their own kind and name)");
        }

        IEnumerable<YamlMappingNode> patches;
        if (entry.Scalar("path") is { } relative)
        {
            var path = Path.GetFullPath(Path.Combine(directory, relative));
            files.Add(path);
            patches = File.Exists(path) ? Yaml.LoadDocuments(path) : throw new FileNotFoundException($"{file}: patch '{relative}' does not exist", path);
        }
        else
        {
            patches = Yaml.LoadDocuments(file, entry.Scalar("patch") ?? throw new InvalidDataException($"{file}: a patch needs path or patch"));
        }

        foreach (var patch in patches)
        {
            var kind = patch.Scalar("kind");
            var name = patch.Map("metadata")?.Scalar("name");
            var @namespace = patch.Map("metadata")?.Scalar("namespace");
            var targets = manifests.Where(m => m.Kind == kind && m.Name == name && (@namespace is null || m.Namespace == @namespace)).ToList();
            if (targets.Count != 1)
            {
                throw new InvalidDataException($"{file}: patch of {kind} {name} matches {targets.Count} objects, not one");
            }

            foreach (var (key, value) in patch.Entries().Where(e => e.Key is not ("apiVersion" or "kind")))
            {
                Merge(targets[0].Node, key, value, $"{kind} {name}");
            }
        }
    }

    /// <summary>Strategic merge of maps: maps merge key by key, a value replaces, null deletes. Lists would need merge keys: refused.</summary>
    private static void Merge(YamlMappingNode target, string key, YamlNode patch, string where)
    {
        if (key.StartsWith('$'))
        {
            throw new NotSupportedException($"{where}: patch directive '{key}' is not supported by this loader");
        }

        switch (patch)
        {
            case YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "null" or "~" }:
                target.Remove(key);
                break;
            case YamlScalarNode scalar:
                target.Set(key, Yaml.Clone(scalar));
                break;
            case YamlMappingNode map when target.Get(key) is YamlMappingNode existing:
                foreach (var (childKey, childValue) in map.Entries())
                {
                    Merge(existing, childKey, childValue, $"{where} {key}");
                }

                break;
            case YamlMappingNode map:
                target.Set(key, Yaml.Clone(map));
                break;
            default:
                throw new NotSupportedException($"{where}: patching the list '{key}' needs strategic-merge keys, which this loader does not know; patch maps only");
        }
    }

    private static void SetNamespace(YamlMappingNode node, string @namespace)
    {
        var kind = node.Scalar("kind") ?? "";
        if (!ClusterScoped.Contains(kind))
        {
            var metadata = node.Map("metadata") ?? throw new InvalidDataException($"{kind} without metadata");
            metadata.Set("namespace", new YamlScalarNode(@namespace));
        }

        // kustomize's namespace transformer sets a binding subject's namespace only when the subject is named "default".
        if (kind is "RoleBinding" or "ClusterRoleBinding")
        {
            foreach (var subject in node.Maps("subjects").Where(s => s.Scalar("name") == "default"))
            {
                subject.Set("namespace", new YamlScalarNode(@namespace));
            }
        }
    }

    private static void SetImage(string file, YamlMappingNode entry, List<Manifest> manifests)
    {
        if (entry.Keys().FirstOrDefault(k => k is not ("name" or "newName" or "newTag" or "digest")) is { } unsupported)
        {
            throw new NotSupportedException($"{file}: image field '{unsupported}' is not supported by this loader");
        }

        var name = entry.Scalar("name") ?? throw new InvalidDataException($"{file}: an image entry needs a name");
        foreach (var container in manifests.SelectMany(m => Containers(m.Node)))
        {
            var image = container.Scalar("image") ?? "";
            var (repository, tag, digest) = SplitImage(image);
            if (repository != name)
            {
                continue;
            }

            var newDigest = entry.Scalar("digest");
            var newTag = newDigest is null ? entry.Scalar("newTag") ?? tag : null;
            var reference = (entry.Scalar("newName") ?? repository)
                + (newDigest is not null ? "@" + newDigest : newTag is not null ? ":" + newTag : digest is not null ? "@" + digest : "");
            container.Set("image", new YamlScalarNode(reference));
        }
    }

    /// <summary>Every container and init container anywhere in an object (kustomize looks in every kind's pod templates).</summary>
    private static IEnumerable<YamlMappingNode> Containers(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Entries().SelectMany(e => e.Key is "containers" or "initContainers" && e.Value is YamlSequenceNode list
            ? list.Children.OfType<YamlMappingNode>()
            : Containers(e.Value)),
        YamlSequenceNode list => list.Children.SelectMany(Containers),
        _ => [],
    };

    private static (string Repository, string? Tag, string? Digest) SplitImage(string image)
    {
        string? digest = null;
        if (image.IndexOf('@', StringComparison.Ordinal) is var at and >= 0)
        {
            (image, digest) = (image[..at], image[(at + 1)..]);
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..], digest) : (image, null, digest);
    }

    private static void EnsureUnique(string file, List<Manifest> manifests)
    {
        foreach (var duplicate in manifests.GroupBy(m => (m.Kind, m.Namespace, m.Name)).Where(g => g.Count() > 1))
        {
            throw new InvalidDataException($"{file}: {duplicate.Key.Kind} {duplicate.Key.Name} is defined {duplicate.Count()} times ({string.Join(", ", duplicate.Select(d => d.Source))})");
        }
    }

    private static (string Key, string Value) KeyValue(string text, string where)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 ? (text[..equals], text[(equals + 1)..]) : throw new InvalidDataException($"{where} '{text}' is not KEY=VALUE");
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0], value[^1]) is ('"', '"') or ('\'', '\'') ? value[1..^1] : value;
}

/// <summary>What a kustomization builds to, and the files and kustomization folders it read.</summary>
public sealed record KustomizeBuild(string Directory, IReadOnlyList<Manifest> Manifests, IReadOnlyList<string> Files, IReadOnlyList<string> Directories);
