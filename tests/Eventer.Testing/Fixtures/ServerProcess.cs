using System.Diagnostics;
using System.Text.RegularExpressions;
using DotNet.Testcontainers.Containers;

namespace Eventer.Testing.Fixtures;

/// <summary>The process of a dedicated server: what a fault test may do to it.</summary>
internal interface IServerProcess : IAsyncDisposable
{
    Task StartAsync();

    Task StopAsync();

    Task KillAsync();
}

/// <summary>
/// A server of its own run by the ctl scripts of <c>deploy/local/servers</c> (<c>.ci/dedicated.sh</c>,
/// named by <c>EVENTER_TEST_DEDICATED_CTL</c>, gives it a state dir, ports and node name, and records
/// this process as its owner so leftovers can be swept).
/// </summary>
internal sealed partial class CtlScriptProcess : IServerProcess
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    private readonly string _ctl;
    private readonly string _dedicated;
    private readonly string _envFile;

    private CtlScriptProcess(string ctl, string dedicated, string envFile, IReadOnlyDictionary<string, string> settings)
    {
        _ctl = ctl;
        _dedicated = dedicated;
        _envFile = envFile;
        Settings = settings;
    }

    /// <summary>The variables of the server's env file (ports, <c>EVENTER_TEST_*</c> connection settings).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The ctl script named by <paramref name="variable"/>, or null when the tests run without them.</summary>
    public static string? Script(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } path && File.Exists(path) ? path : null;

    /// <summary>Creates (but does not start) a server; <paramref name="kind"/> is <c>rabbitmq</c> or <c>postgres</c>.</summary>
    public static async Task<CtlScriptProcess> CreateAsync(string kind, string ctl)
    {
        var dedicated = Script("EVENTER_TEST_DEDICATED_CTL")
            ?? throw new InvalidOperationException($"{ctl} is set but EVENTER_TEST_DEDICATED_CTL (.ci/dedicated.sh) is not: .ci/run sets both");
        var output = await RunAsync(dedicated, ["new", kind, Environment.ProcessId.ToString()], envFile: null);
        var envFile = output.Trim().Split('\n')[^1];
        var settings = File.ReadLines(envFile)
            .Select(line => ExportLine().Match(line))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return new CtlScriptProcess(ctl, dedicated, envFile, settings);
    }

    public Task StartAsync() => RunAsync(_ctl, ["start"], _envFile);

    public Task StopAsync() => RunAsync(_ctl, ["stop"], _envFile);

    public Task KillAsync() => RunAsync(_ctl, ["kill"], _envFile);

    public async ValueTask DisposeAsync() => await RunAsync(_dedicated, ["remove", _envFile], envFile: null);

    private static async Task<string> RunAsync(string script, string[] args, string? envFile)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test process carries the shared servers' settings (.ci/run exports them); none may
        // reach a script working on a dedicated server, whose env file must be all it sees.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("EVENTER_CI_", StringComparison.Ordinal) ||
                                                               k.StartsWith("EVENTER_TEST_", StringComparison.Ordinal)).ToList())
        {
            if (key != "EVENTER_CI_PG_BIN")
            {
                start.Environment.Remove(key);
            }
        }

        if (envFile is not null)
        {
            start.Environment["EVENTER_CI_ENV_FILE"] = envFile;
        }

        var command = $"{Path.GetFileName(script)} {string.Join(' ', args)}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot run {command}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(stdout, stderr).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not finish within {ScriptTimeout.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            var log = await stderr;
            throw new InvalidOperationException(
                $"{command} failed with exit code {process.ExitCode}:\n{(log.Length > 8000 ? log[^8000..] : log)}");
        }

        return await stdout;
    }

    [GeneratedRegex("^export ([A-Z0-9_]+)='?([^']*)'?$")]
    private static partial Regex ExportLine();
}

/// <summary>
/// A server in a container of its own (no ctl scripts, Docker instead). Its host ports are fixed
/// by the caller, so they stay the same across stop and start.
/// </summary>
internal sealed class ContainerProcess(IContainer container, string[] crashCommand) : IServerProcess
{
    public Task StartAsync() => container.StartAsync();

    public Task StopAsync() => container.StopAsync();

    public async Task KillAsync()
    {
        // Docker's own stop is graceful; the crash comes from inside, and ends the container.
        _ = await container.ExecAsync(crashCommand);
        _ = await container.GetExitCodeAsync();
        // Brings Testcontainers' view of the container in line, so that StartAsync starts it again.
        await container.StopAsync();
    }

    public ValueTask DisposeAsync() => container.DisposeAsync();
}
