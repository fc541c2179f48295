namespace Eventer.Deploy.Tests;

/// <summary>The checkout under test: the folder holding <c>eventer.sln</c>, found upward from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path below the root, e.g. <c>Combine("deploy", "k8s")</c>.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "eventer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no eventer.sln above {AppContext.BaseDirectory}");
    }
}
