namespace Eventer.Deploy.Tests.Compose;

/// <summary>
/// A test that runs Debian's <c>docker-compose</c> 1.29 (<c>apt-get install --no-install-recommends
/// docker-compose</c>; it needs no Docker engine for <c>config</c>). Skipped where it is not on PATH,
/// except in CI (<c>CI=true</c>), where a missing checker must fail rather than pass unseen.
/// </summary>
public sealed class DockerComposeFactAttribute : FactAttribute
{
    public DockerComposeFactAttribute()
    {
        if (DockerCompose.Path is null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "docker-compose is not on PATH (apt-get install --no-install-recommends docker-compose)";
        }
    }
}

public static class DockerCompose
{
    /// <summary>The docker-compose executable on PATH, or null.</summary>
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, "docker-compose"))
        .FirstOrDefault(File.Exists);
}
