using k8s;
using k8s.Exceptions;

namespace Eventer.Collector.Watching;

/// <summary>
/// The Kubernetes client's configuration in the standard order: Collector:Kubeconfig when set,
/// else KUBECONFIG, then ~/.kube/config, then the in-cluster service account. Files are read by
/// KubernetesClient.Aot's loader, whose YAML context knows the kubeconfig's own types only (the full
/// client built serializers for every API type on first use and kept them: 10–16 MB of the
/// collector's memory for a file read once; bench/README.md). A KUBECONFIG that names several files
/// (merged, first wins) is left to the library, as is in-cluster, which reads no YAML.
/// </summary>
public static class KubeconfigReader
{
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

        if (file.Length == 0)
        {
            throw new KubeConfigException($"kubeconfig {file.FullName} is empty");
        }

        return KubernetesClientConfiguration.BuildConfigFromConfigFile(file);
    }
}
