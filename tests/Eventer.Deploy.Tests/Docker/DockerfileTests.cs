using System.Xml.Linq;

namespace Eventer.Deploy.Tests.Docker;

/// <summary>Every Dockerfile follows the one pattern: restore from the project files it copied first, publish, run as 1654 on aspnet.</summary>
[Trait("Category", "Unit")]
public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => [.. Dockerfile.All()];

    [Fact]
    public void Every_service_and_the_simulated_cluster_has_a_dockerfile()
    {
        // The services are the Web SDK projects under services/ (libraries use the plain SDK).
        var expected = Directory.GetFiles(RepositoryRoot.Combine("services"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("Sdk=\"Microsoft.NET.Sdk.Web\"", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(RepositoryRoot.Path, Path.Combine(Path.GetDirectoryName(p)!, "Dockerfile")).Replace('\\', '/'))
            .Append("tools/Eventer.SimCluster/Dockerfile")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, Dockerfile.All());
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_copy_source_exists_in_the_build_context(string path)
    {
        var dockerfile = Dockerfile.Load(path);
        var ignore = DockerIgnore.Load();
        var copies = dockerfile.Stages.SelectMany(s => s).Where(i => i.Keyword == "COPY" && !i.Flags.Any(f => f.StartsWith("--from=", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(copies);
        foreach (var source in copies.SelectMany(c => c.Arguments.Take(c.Arguments.Count - 1)))
        {
            var full = RepositoryRoot.Combine(source.TrimEnd('/').Split('/'));
            Assert.True(File.Exists(full) || Directory.Exists(full), $"{path}: COPY {source}: no such file or folder in the build context (the repo root)");
            Assert.False(ignore.Excludes(source.TrimEnd('/')), $"{path}: COPY {source}: .dockerignore keeps it out of the build context");
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_project_it_references_is_copied_before_restore_and_its_folder_before_publish(string path)
    {
        var build = Dockerfile.Load(path).Build;
        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Take(2).SequenceEqual(["dotnet", "restore"]));
        var publish = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Take(2).SequenceEqual(["dotnet", "publish"]));
        Assert.True(restore > 0 && publish > restore, $"{path}: expected RUN dotnet restore, then RUN dotnet publish, in the build stage");

        var project = build[restore].Arguments[2];
        Assert.Equal(project, build[publish].Arguments[2]);
        Assert.Equal(Path.GetDirectoryName(path)!.Replace('\\', '/'), Path.GetDirectoryName(project)!.Replace('\\', '/'));

        var copiedBeforeRestore = Sources(build.Take(restore));
        // Every build file at the root, found rather than listed: a new one (Directory.Build.targets
        // sets the services' GC) left out of the image would build a different program, silently.
        var rootBuildFiles = Directory.GetFiles(RepositoryRoot.Path, "Directory.*").Append(RepositoryRoot.Combine("global.json")).Select(Path.GetFileName);
        foreach (var shared in rootBuildFiles)
        {
            Assert.True(copiedBeforeRestore.Contains(shared!), $"{path}: {shared} is not copied before `dotnet restore`");
        }

        var copiedBeforePublish = Sources(build.Take(publish));
        foreach (var csproj in ProjectClosure(project))
        {
            Assert.True(copiedBeforeRestore.Contains(csproj), $"{path}: {csproj} is referenced by {project} but not copied before `dotnet restore`");
            var folder = Path.GetDirectoryName(csproj)!.Replace('\\', '/') + "/";
            Assert.True(copiedBeforePublish.Contains(folder), $"{path}: the sources of {csproj} ({folder}) are not copied before `dotnet publish`");
        }

        // A native build is made for the platform the stage runs on (the -aot SDK image's), and its
        // restore must fetch that platform's compiler package.
        string[] native = Dockerfile.Load(path).IsNative ? ["--use-current-runtime"] : [];
        Assert.Equal(native, build[restore].Arguments.Skip(3));
        Assert.Equal(["-c", "Release", "-o", "/app", "--no-restore", .. native], build[publish].Arguments.Skip(3));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_runtime_stage_is_aspnet_or_runtime_deps_as_user_1654_running_the_published_program(string path)
    {
        var dockerfile = Dockerfile.Load(path);
        Assert.True(dockerfile.Stages.Count >= 2, $"{path}: a multi-stage build");
        var runtime = dockerfile.Runtime;

        // Native: the SDK image with the C toolchain, and a base with no .NET runtime.
        Assert.Equal(
            dockerfile.IsNative ? ("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble", "mcr.microsoft.com/dotnet/sdk:10.0-noble-aot") : ("mcr.microsoft.com/dotnet/aspnet:10.0-noble", "mcr.microsoft.com/dotnet/sdk:10.0-noble"),
            (runtime[0].Arguments[0], dockerfile.Build[0].Arguments[0]));
        Assert.Contains(runtime, i => i.Keyword == "COPY" && i.Flags.Contains("--from=build") && i.Arguments[0] == "/app");

        // $APP_UID is 1654 in the .NET images: numeric, so Kubernetes' runAsNonRoot can verify it.
        Assert.Equal("$APP_UID", Assert.Single(runtime, i => i.Keyword == "USER").Arguments[0]);
        Assert.Single(runtime, i => i.Keyword == "EXPOSE");
        Assert.Single(runtime, i => i.Keyword == "HEALTHCHECK");

        Assert.Equal(dockerfile.ExpectedEntryPoint, Assert.Single(runtime, i => i.Keyword == "ENTRYPOINT").Arguments);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void A_service_image_serves_and_checks_8084(string path)
    {
        var runtime = Dockerfile.Load(path).Runtime;
        if (path.StartsWith("tools/", StringComparison.Ordinal))
        {
            return; // The simulated cluster serves the Kubernetes API, not health (its own test below).
        }

        Assert.Equal(["8084"], runtime.Single(i => i.Keyword == "EXPOSE").Arguments);
        Assert.Contains("[\"http-health\", \"/health/live\"]", runtime.Single(i => i.Keyword == "HEALTHCHECK").Text);
        Assert.Contains(runtime, i => i.Keyword == "COPY" && i.Arguments.SequenceEqual(["deploy/docker/http-health", "/usr/local/bin/http-health"]));
    }

    /// <summary>The csproj files <paramref name="project"/> needs, itself included, relative to the repo root.</summary>
    private static HashSet<string> ProjectClosure(string project)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!found.Add(current))
            {
                continue;
            }

            var full = RepositoryRoot.Combine(current.Split('/'));
            foreach (var reference in XDocument.Load(full).Descendants("ProjectReference"))
            {
                var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(RepositoryRoot.Path, target).Replace('\\', '/'));
            }
        }

        return found;
    }

    private static HashSet<string> Sources(IEnumerable<Instruction> instructions) =>
        [.. instructions.Where(i => i.Keyword == "COPY").SelectMany(c => c.Arguments.Take(c.Arguments.Count - 1))];
}
