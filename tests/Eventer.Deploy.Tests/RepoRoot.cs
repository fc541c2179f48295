namespace Eventer.Deploy.Tests;

/// <summary>The repository the tests were built from: the folder above them that holds eventer.sln.</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path below the root, from its parts.</summary>
    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "eventer.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"no eventer.sln above {AppContext.BaseDirectory}");
    }
}
