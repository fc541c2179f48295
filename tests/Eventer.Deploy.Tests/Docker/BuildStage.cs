using System.Diagnostics;

namespace Eventer.Deploy.Tests.Docker;

/// <summary>
/// A Dockerfile's build stage, carried out without Docker: a temporary folder stands for the
/// container's root; WORKDIR, COPY (from the repo root as build context, <c>.dockerignore</c>
/// applied) and each <c>RUN dotnet …</c> are done as written, in order. So a restore that lacks a
/// project file, or a publish that needs a folder nobody copied, fails here as it would in
/// <c>docker build</c> — with this machine's SDK and NuGet cache instead of the image's.
/// </summary>
public sealed class BuildStage : IDisposable
{
    private readonly DockerIgnore _ignore = DockerIgnore.Load();
    private readonly List<string> _log = [];

    public BuildStage()
    {
        Root = Directory.CreateTempSubdirectory("eventer-docker-").FullName;
    }

    /// <summary>The folder standing for the container's <c>/</c>.</summary>
    public string Root { get; }

    /// <summary>Every file COPY put into the stage, relative to the build context.</summary>
    public List<string> CopiedFromContext { get; } = [];

    /// <summary>What was done and what the commands printed, for a failure message.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>The container path <paramref name="path"/> (e.g. <c>/app</c>) in the stand-in root.</summary>
    public string Host(string path) => System.IO.Path.Combine(Root, path.TrimStart('/'));

    /// <summary>Carries out <paramref name="stage"/>; returns the exit code of the first RUN that failed, or 0.</summary>
    public async Task<int> RunAsync(IReadOnlyList<Instruction> stage, TimeSpan timeoutPerCommand)
    {
        var workdir = "/";
        foreach (var instruction in stage.Skip(1))
        {
            _log.Add($"> {instruction.Text}");
            switch (instruction.Keyword)
            {
                case "WORKDIR":
                    workdir = Resolve(workdir, instruction.Arguments[0]);
                    Directory.CreateDirectory(Host(workdir));
                    break;
                case "COPY":
                    Copy(workdir, instruction);
                    break;
                case "RUN":
                    var code = await RunAsync(workdir, instruction.Arguments, timeoutPerCommand);
                    if (code != 0)
                    {
                        return code;
                    }

                    break;
                default:
                    throw new NotSupportedException($"the build stage stand-in does not do {instruction.Keyword}: {instruction.Text}");
            }
        }

        return 0;
    }

    private void Copy(string workdir, Instruction copy)
    {
        if (copy.Flags.Count > 0)
        {
            throw new NotSupportedException($"COPY flags are not done here: {copy.Text}");
        }

        var sources = copy.Arguments.Take(copy.Arguments.Count - 1).ToList();
        var destination = copy.Arguments[^1];
        var intoFolder = destination.EndsWith('/') || sources.Count > 1;
        var target = Resolve(workdir, destination);
        foreach (var source in sources)
        {
            var relative = source.TrimEnd('/');
            if (relative.IndexOfAny(['*', '?', '[']) >= 0)
            {
                throw new NotSupportedException($"wildcards are not done here: {copy.Text}");
            }

            var path = RepositoryRoot.Combine(relative.Split('/'));
            if (File.Exists(path))
            {
                CopyFile(relative, intoFolder ? $"{target}/{System.IO.Path.GetFileName(path)}" : target);
            }
            else if (Directory.Exists(path))
            {
                // A folder's contents are copied, not the folder itself.
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
                {
                    var inner = System.IO.Path.GetRelativePath(path, file).Replace('\\', '/');
                    CopyFile($"{relative}/{inner}", $"{target}/{inner}");
                }
            }
            else
            {
                throw new FileNotFoundException($"COPY source {source} does not exist in the build context", path);
            }
        }
    }

    private void CopyFile(string contextPath, string containerPath)
    {
        if (_ignore.Excludes(contextPath))
        {
            return;
        }

        var destination = Host(containerPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(destination)!);
        File.Copy(RepositoryRoot.Combine(contextPath.Split('/')), destination, overwrite: true);
        CopiedFromContext.Add(contextPath);
    }

    private async Task<int> RunAsync(string workdir, IReadOnlyList<string> words, TimeSpan timeout)
    {
        if (words.Count == 0 || words[0] != "dotnet")
        {
            throw new NotSupportedException($"only dotnet commands are run here: {string.Join(' ', words)}");
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Host(workdir),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Arguments that are container paths (-o /app) point into the stand-in root.
        foreach (var word in words.Skip(1))
        {
            start.ArgumentList.Add(word.StartsWith('/') ? Host(word) : word);
        }

        // No MSBuild nodes left running after the test (the compiler server is the one every build shares).
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            _log.Add($"timed out after {timeout.TotalSeconds:0} s");
        }

        _log.Add(await output);
        _log.Add(await error);
        return deadline.IsCancellationRequested ? -1 : process.ExitCode;
    }

    /// <summary>An absolute container path from WORKDIR and a path that may be relative (<c>./</c>, <c>contracts/x/</c>).</summary>
    private static string Resolve(string workdir, string path) =>
        "/" + string.Join('/', (path.StartsWith('/') ? path : $"{workdir}/{path}").Split('/').Where(s => s.Length > 0 && s != "."));

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
