namespace Eventer.Testing;

/// <summary>
/// Services compiled ahead of time, as their images ship them (the collector, bench/README.md says
/// why). <c>bash .ci/run</c> publishes each into the folder <see cref="Variable"/> names, as
/// <c>&lt;folder&gt;/&lt;Project&gt;/&lt;Project&gt;</c>; <see cref="ServiceProcess"/> then runs that executable.
/// </summary>
public static class NativeBuild
{
    /// <summary>The environment variable naming the folder of native builds.</summary>
    public const string Variable = "EVENTER_TEST_NATIVE";

    /// <summary>The services whose image holds a native executable.</summary>
    public static IReadOnlySet<string> Projects { get; } = new HashSet<string> { "Eventer.Collector" };

    /// <summary>The native executable of <paramref name="project"/>, or null when none was published.</summary>
    public static string? Executable(string project)
    {
        if (!Projects.Contains(project) || Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } folder)
        {
            return null;
        }

        var executable = Path.Combine(Path.GetFullPath(folder), project, project);
        return File.Exists(executable) ? executable : null;
    }

    /// <summary>The native executable of <paramref name="project"/>; fails saying how to build it when there is none.</summary>
    public static string Required(string project) =>
        Executable(project) ?? throw new InvalidOperationException(
            $"{project} has no native build: {Variable} must name a folder holding {project}/{project}, published with " +
            $"`dotnet publish services/{project} -c Release --use-current-runtime -o <folder>/{project}` (needs clang; bash .ci/run does this)");
}
