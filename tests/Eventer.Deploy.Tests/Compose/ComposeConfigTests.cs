using System.Diagnostics;

namespace Eventer.Deploy.Tests.Compose;

/// <summary>The file is one both compose generations read: docker-compose 1.29 checks it as it is.</summary>
[Trait("Category", "Unit")]
public sealed class ComposeConfigTests
{
    [DockerComposeFact]
    public async Task Docker_compose_1_29_accepts_it_for_every_cluster_profile()
    {
        Assert.NotNull(DockerCompose.Path);
        foreach (var profile in new[] { "", "sim", "own" })
        {
            var (code, output) = await RunAsync(profile.Length == 0 ? ["config", "-q"] : ["--profile", profile, "config", "-q"]);
            Assert.True(code == 0, $"docker-compose {(profile.Length == 0 ? "" : $"--profile {profile} ")}config: exit {code}\n{output}");
        }
    }

    [Fact]
    public void It_has_no_top_level_name_or_version()
    {
        // `name:` is v2 only (1.29 refuses it); `version:` is obsolete in v2 and would make 1.29 read
        // a legacy format instead of the Compose Specification.
        var keys = ComposeFile.TopLevelKeys();
        Assert.DoesNotContain("name", keys);
        Assert.DoesNotContain("version", keys);
        Assert.Contains("services", keys);
    }

    private static async Task<(int Code, string Output)> RunAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(DockerCompose.Path!)
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--file");
        start.ArgumentList.Add(ComposeFile.DefaultPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The profile must come from the command line or .env, not from whoever runs the tests.
        start.Environment.Remove("COMPOSE_PROFILES");
        start.Environment.Remove("COMPOSE_FILE");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await error);
    }
}
