using System.Collections.Concurrent;
using System.Diagnostics;
using Eventer.Testing.Network;

namespace Eventer.Testing;

/// <summary>
/// A service run as a process of its own from its built assembly (never through <c>dotnet run</c>,
/// whose app outlives a killed parent), so a test can SIGKILL it the way a node loss or the OOM
/// killer does: no shutdown, no drain, no lease release. Settings are passed as environment
/// variables (<c>Section__Key</c>); its output is kept for the failure message, not printed.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 200;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>
    /// The runtime settings every service runs with that only the environment can carry: the
    /// runtime reads them from no runtimeconfig.json, so Directory.Build.targets cannot set them.
    /// The Dockerfiles and deploy/local/up.sh set the same (tests/Eventer.Deploy.Tests checks).
    /// - <c>DOTNET_GCGen1MaxBudget</c>, 12 MB: the GC let gen 1 grow to 35-45 MB between its
    ///   collections while the load ebbed, and the services' RSS peaked with it (bench/README.md).
    ///   The name is case-sensitive; <c>DOTNET_GCgen1MaxBudget</c> is silently ignored.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RuntimeEnvironment { get; } = new Dictionary<string, string>
    {
        ["DOTNET_GCGen1MaxBudget"] = "C00000",
    };

    /// <summary>Where the service serves health and metrics.</summary>
    public Uri Address { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Files of the process's loaded assemblies whose name contains <paramref name="name"/>: a loaded assembly is a file mapped into it.</summary>
    public IReadOnlyList<string> MappedAssemblies(string name) =>
        File.ReadLines($"/proc/{Id}/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(5)?.Trim())
            .OfType<string>()
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal) && Path.GetFileName(path).Contains(name, StringComparison.Ordinal))
            .Distinct()
            .ToList();

    /// <summary>
    /// Waits until the process has ended and everything it wrote has been read into <see cref="Output"/>
    /// (it may end a moment before its last lines are read).
    /// </summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>The exit code, once the process has ended.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the service wrote (stdout and stderr).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Whether the process is a native executable (<see cref="NativeBuild"/>) rather than an assembly run by dotnet.</summary>
    public bool IsNative { get; private init; }

    /// <summary>
    /// Starts <paramref name="project"/> (e.g. <c>Eventer.Collector</c>) on a free loopback port: its
    /// native build when it ships as one and one was published (<see cref="NativeBuild"/>), unless
    /// <paramref name="build"/> asks for the JIT; else its assembly from
    /// <c>services/&lt;project&gt;/bin/&lt;configuration&gt;/net10.0</c> (or <c>samples/…</c>), built with the tests in the
    /// same configuration.
    /// </summary>
    /// <remarks>A program that is not a service (a tool) gets <paramref name="arguments"/> instead of <c>--urls</c>.</remarks>
    public static ServiceProcess Start(
        string project, IReadOnlyDictionary<string, string?> settings, IReadOnlyList<string>? arguments = null, ServiceBuild build = ServiceBuild.AsShipped)
    {
        var native = build == ServiceBuild.AsShipped ? NativeBuild.Executable(project) : null;
        var program = native ?? BuiltAssembly(project);
        var port = LoopbackPort.Free();
        var start = new ProcessStartInfo(native ?? DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(program)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (native is null)
        {
            start.ArgumentList.Add(program);
        }

        foreach (var argument in arguments ?? ["--urls", $"http://127.0.0.1:{port}"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (variable, value) in RuntimeEnvironment)
        {
            start.Environment[variable] = value;
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}/")) { IsNative = native is not null };
        process.OutputDataReceived += (_, line) => service.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => service.Keep(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; fails with the service's output if it exits or the deadline passes.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"the service exited with code {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri(Address, "/health/ready"));
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    // A start-up answer slower than the client's timeout (a loaded machine) is a
                    // "not yet", not a failure: the deadline above decides.
                    return false;
                }
            }, timeout ?? TimeSpan.FromSeconds(60), "/health/ready to answer 200");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{Output}", ex);
        }
    }

    /// <summary>SIGKILL: the process ends at once, in the middle of whatever it was doing.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>The service's assembly, built in the configuration the tests were built in (bin/Debug or bin/Release).</summary>
    private static string BuiltAssembly(string project)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "eventer.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"no eventer.sln above {AppContext.BaseDirectory}");
        }

        // Services, and the sample consumers of docs/adding-a-consumer.md.
        var candidates = new[] { "services", "samples", "tools" }.Select(folder => Path.Combine(root.FullName, folder, project, "bin", configuration, here.Name, project + ".dll"));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{project} is not built (looked for {string.Join(", ", candidates)})");
    }

    /// <summary>The dotnet host running the tests (the SDK says which), so the service runs on the same runtime.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

/// <summary>Which build of a service <see cref="ServiceProcess.Start"/> runs.</summary>
public enum ServiceBuild
{
    /// <summary>As its image ships it: native for the collector when published (<see cref="NativeBuild"/>), else the assembly.</summary>
    AsShipped,

    /// <summary>The assembly on the .NET runtime, for a test about what the runtime loads.</summary>
    Jit,
}
