using System.Text.Json.Nodes;
using Eventer.Deploy.Tests.Docker;
using Eventer.Testing;

namespace Eventer.Deploy.Tests;

/// <summary>
/// The runtime settings chosen from bench/ runs (Directory.Build.targets) reach every service's
/// runtimeconfig.json, which the image and up.sh run with: a service project moved outside
/// services/, or the Web SDK turning server GC back on, would lose them without a word.
/// </summary>
public sealed class RuntimeSettingsTests
{
    public static TheoryData<string> Services => [.. EventerService.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Services))]
    public void Every_service_runs_with_the_benched_gc_thread_pool_and_jit_settings(string name)
    {
        var assembly = EventerService.Named(name).Assembly.GetName().Name!;
        // Referenced executables' runtimeconfig.json files are copied next to this test's assembly.
        var path = Path.Combine(AppContext.BaseDirectory, assembly + ".runtimeconfig.json");
        var properties = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!.AsObject();

        Assert.Equal(false, (bool?)properties["System.GC.Server"]);
        Assert.Equal(false, (bool?)properties["System.GC.Concurrent"]);
        Assert.Equal(4 * 1024 * 1024, (int?)properties["System.GC.Gen0MaxBudget"]);
        Assert.Equal(7, (int?)properties["System.GC.ConserveMemory"]);
        Assert.Equal(false, (bool?)properties["System.Runtime.TieredPGO"]);
        Assert.Equal(0, (int?)properties["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]);
    }

    /// <summary>
    /// What only the environment carries (the runtime ignores it in runtimeconfig.json) is set
    /// where the services run: the bench and the process tests (<see cref="ServiceProcess"/>),
    /// every image, and up.sh. One that forgot it would run with a gen 1 three times as large.
    /// </summary>
    [Theory]
    [MemberData(nameof(DockerfileTests.Dockerfiles), MemberType = typeof(DockerfileTests))]
    public void Every_image_sets_the_runtime_environment_the_services_were_benched_with(string path)
    {
        var set = Dockerfile.Load(path).Runtime.Where(i => i.Keyword == "ENV").SelectMany(i => i.Arguments).ToList();
        Assert.NotEmpty(ServiceProcess.RuntimeEnvironment);
        foreach (var (variable, value) in ServiceProcess.RuntimeEnvironment)
        {
            Assert.Contains($"{variable}={value}", set);
        }
    }

    /// <summary>
    /// The native collector's runtime reads a GC setting from the environment as bare hexadecimal
    /// and ignores one written <c>0x…</c> without a word (the JIT build takes both; bench/README.md),
    /// so the values every image and up.sh are held to above must be bare.
    /// </summary>
    [Fact]
    public void Gc_settings_in_the_environment_are_bare_hexadecimal_which_the_native_runtime_reads()
    {
        var gcSettings = ServiceProcess.RuntimeEnvironment.Where(s => s.Key.StartsWith("DOTNET_GC", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(gcSettings);
        foreach (var (variable, value) in gcSettings)
        {
            Assert.True(value.Length > 0 && value.All(Uri.IsHexDigit), $"{variable}={value} is not bare hexadecimal");
        }
    }

    [Fact]
    public void Up_sh_starts_every_program_with_the_runtime_environment()
    {
        // Its one launch function starts every service and the simulated cluster.
        var launch = Assert.Single(File.ReadLines(RepositoryRoot.Combine("deploy", "local", "up.sh")),
            line => line.TrimStart().StartsWith("exec env ", StringComparison.Ordinal));
        var assignments = launch.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var (variable, value) in ServiceProcess.RuntimeEnvironment)
        {
            Assert.Contains($"{variable}={value}", assignments);
        }
    }
}
