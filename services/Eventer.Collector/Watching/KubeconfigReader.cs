using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Serialization;

namespace Eventer.Collector.Watching;

/// <summary>
/// The Kubernetes client's configuration in the standard order: Collector:Kubeconfig when set,
/// else KUBECONFIG, then ~/.kube/config, then the in-cluster service account.
/// A kubeconfig file is read here with a deserializer for the kubeconfig's own few types, and the
/// library builds the configuration from what was read, as its own loader does. Its loader reads
/// the file through KubernetesYaml, whose serializers are built on first use for every API type in
/// the package and kept for the life of the process: 10–16 MB of the collector's memory for a file
/// read once (38–47 MB in a bare process; bench/README.md). A KUBECONFIG that names several files
/// (merged, first wins) is left to the library, as is in-cluster, which reads no YAML.
/// </summary>
public static class KubeconfigReader
{
    // The kubeconfig types name their YAML keys with YamlMember aliases; unknown keys (newer
    // kubectl fields) are skipped, as the library skips them.
    private static readonly IDeserializer Yaml = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    public static KubernetesClientConfiguration ClientConfiguration(string? configuredPath) =>
        FileToRead(configuredPath, Environment.GetEnvironmentVariable("KUBECONFIG"), KubernetesClientConfiguration.KubeConfigDefaultLocation) is { } path
            ? FromFile(path)
            : KubernetesClientConfiguration.BuildDefaultConfig();

    /// <summary>
    /// The one kubeconfig file the standard order names; null when KUBECONFIG names several (the
    /// library merges them) or nothing names a file (in-cluster, or the library's localhost default).
    /// </summary>
    public static string? FileToRead(string? configuredPath, string? kubeconfigVariable, string defaultLocation)
    {
        if (!string.IsNullOrEmpty(configuredPath))
        {
            return configuredPath;
        }

        if (!string.IsNullOrEmpty(kubeconfigVariable))
        {
            // As kubectl: empty entries are skipped, so "a:" names a alone.
            var files = kubeconfigVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
            return files.Length == 1 ? files[0].Trim('"') : null;
        }

        return File.Exists(defaultLocation) ? defaultLocation : null;
    }

    /// <summary>The configuration of the kubeconfig's current context.</summary>
    public static KubernetesClientConfiguration FromFile(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new KubeConfigException($"kubeconfig file not found at {file.FullName}");
        }

        K8SConfiguration? config;
        using (var reader = file.OpenText())
        {
            config = Yaml.Deserialize<K8SConfiguration?>(reader);
        }

        if (config is null)
        {
            throw new KubeConfigException($"kubeconfig {file.FullName} is empty");
        }

        // Certificate and key files named in a kubeconfig are relative to it, as kubectl reads them.
        config.FileName = file.FullName;
        return KubernetesClientConfiguration.BuildConfigFromConfigObject(config);
    }
}
