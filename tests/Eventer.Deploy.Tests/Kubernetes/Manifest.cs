using k8s;
using YamlDotNet.RepresentationModel;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>One object of a build, and where it came from (a file, or a generator) for messages.</summary>
public sealed record Manifest(string Source, YamlMappingNode Node)
{
    public string? Kind => Node.Scalar("kind");

    public string? Name => Node.Map("metadata")?.Scalar("name");

    public string? Namespace => Node.Map("metadata")?.Scalar("namespace");

    public override string ToString() => $"{Kind} {Namespace}/{Name} ({Display(Source)})";

    /// <summary>
    /// The object as KubernetesClient types it (<c>V1Deployment</c>, <c>V1ClusterRole</c>, …), read
    /// strictly: an unknown kind, or a field the type does not have (a typo), is an error.
    /// </summary>
    public object ToObject()
    {
        try
        {
            return KubernetesYaml.LoadAllFromString(Yaml.Serialize(Node), typeMap: null, strict: true).Single();
        }
        catch (Exception ex)
        {
            throw new InvalidDataException($"{this}: not a Kubernetes object KubernetesClient can read: {ex.GetBaseException().Message}", ex);
        }
    }

    /// <summary>A path relative to the checkout when it is inside it.</summary>
    public static string Display(string path) =>
        path.StartsWith(RepositoryRoot.Path, StringComparison.Ordinal) ? Path.GetRelativePath(RepositoryRoot.Path, path) : path;
}
