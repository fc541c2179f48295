using System.Reflection;
using System.Runtime.Loader;

namespace Eventer.Collector.Tests.Watching;

/// <summary>
/// Why the collector runs on KubernetesClient.Aot: the full client's YAML serializers, built on first
/// use for every API type in the package and kept, are what reading a kubeconfig must not build. The
/// load runs in a fresh copy of the client, YamlDotNet and the collector, so nothing another test did
/// has built them already; alone, so the process's allocations are the load's own.
/// </summary>
[Collection(nameof(AloneCollection))]
public sealed class KubeconfigMemoryTests
{
    [Fact]
    public void Reading_a_kubeconfig_builds_no_serializers_for_the_whole_api()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eventer-kubeconfig-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            current-context: c
            clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
            contexts: [{name: c, context: {cluster: c, user: u}}]
            users: [{name: u, user: {token: t}}]
            """);
        try
        {
            var allocated = AllocatedWhile(fresh => fresh.Invoke("Eventer.Collector", "Eventer.Collector.Watching.KubeconfigReader", "FromFile", path));

            // Measured here: 0.3 MB; the full client's loader, measured the same way, 21 MB.
            Assert.True(allocated < 2_000_000, $"reading the kubeconfig allocated {allocated:N0} bytes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static long AllocatedWhile(Action<FreshLoad> load)
    {
        var fresh = new FreshLoad();
        try
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            load(fresh);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        finally
        {
            fresh.Unload();
        }
    }

    /// <summary>Its own copies of the three assemblies; everything else is shared with the test.</summary>
    private sealed class FreshLoad() : AssemblyLoadContext("fresh kubeconfig load", isCollectible: true)
    {
        private static readonly string[] Own = ["KubernetesClient.Aot", "YamlDotNet", "Eventer.Collector"];

        protected override Assembly? Load(AssemblyName name) =>
            Own.Contains(name.Name) ? LoadFromAssemblyPath(Path.Combine(AppContext.BaseDirectory, name.Name + ".dll")) : null;

        public void Invoke(string assembly, string type, string method, params object?[] arguments) =>
            LoadFromAssemblyName(new AssemblyName(assembly)).GetType(type, throwOnError: true)!
                .GetMethods(BindingFlags.Public | BindingFlags.Static)
                .Single(m => m.Name == method && m.GetParameters().Length == arguments.Length && m.GetParameters()[0].ParameterType == typeof(string))
                .Invoke(null, arguments);
    }
}
