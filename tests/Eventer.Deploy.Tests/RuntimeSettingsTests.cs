using System.Text.Json.Nodes;

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
}
