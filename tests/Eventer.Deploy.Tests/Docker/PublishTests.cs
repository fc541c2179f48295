namespace Eventer.Deploy.Tests.Docker;

/// <summary>
/// The build stage of each Dockerfile succeeds here as written: only what it copies, restore, publish
/// (see <see cref="BuildStage"/>). Slow — a Release build of each service from scratch — so one
/// Dockerfile per case, one after the other (xunit runs a class's cases in sequence).
/// </summary>
[Trait("Category", "Integration")]
public sealed class PublishTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    public static TheoryData<string> Dockerfiles => [.. Dockerfile.All()];

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public async Task The_build_stage_publishes_the_entry_assembly_from_what_it_copied(string path)
    {
        var dockerfile = Dockerfile.Load(path);
        using var stage = new BuildStage();

        var exitCode = await stage.RunAsync(dockerfile.Build, CommandTimeout);

        Assert.True(exitCode == 0, $"{path}: the build stage failed (exit {exitCode}):\n{Tail(stage.Log)}");
        if (dockerfile.IsNative)
        {
            // An ELF executable, with nothing for a .NET runtime next to it (the image has none).
            var entry = stage.Host(Assert.Single(dockerfile.ExpectedEntryPoint));
            Assert.True(File.Exists(entry), $"{path}: {entry} was not published:\n{Tail(stage.Log)}");
            var magic = new byte[4];
            using (var file = File.OpenRead(entry))
            {
                file.ReadExactly(magic);
            }

            Assert.Equal("\u007fELF"u8.ToArray(), magic);
            Assert.Empty(Directory.GetFiles(stage.Host("/app"), "*.dll"));
            Assert.Empty(Directory.GetFiles(stage.Host("/app"), "*.runtimeconfig.json"));
            Assert.Empty(Directory.GetFiles(stage.Host("/app"), "*.dbg")); // symbols three times the program's size
        }
        else
        {
            var entry = dockerfile.ExpectedEntryPoint[1];
            Assert.True(File.Exists(Path.Combine(stage.Host("/app"), entry)), $"{path}: /app/{entry} was not published:\n{Tail(stage.Log)}");
            Assert.True(File.Exists(Path.Combine(stage.Host("/app"), Path.ChangeExtension(entry, ".runtimeconfig.json"))), $"{path}: no runtimeconfig next to {entry}");
        }

        // The host's build output must never reach the image (.dockerignore): a host obj/ would
        // replace the restore's project.assets.json.
        Assert.DoesNotContain(stage.CopiedFromContext, p => p.Split('/').Any(segment => segment is "bin" or "obj"));
    }

    private static string Tail(string log) => log.Length > 6000 ? "…" + log[^6000..] : log;
}
