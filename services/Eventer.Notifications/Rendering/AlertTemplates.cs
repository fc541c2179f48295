using System.Reflection;
using Fluid;

namespace Eventer.Notifications.Rendering;

/// <summary>Liquid templates: the built-in ones (embedded) and those from configuration.</summary>
public static class AlertTemplates
{
    // FluidParser is thread-safe once built; one is enough.
    private static readonly FluidParser Parser = new();

    /// <summary>Why <paramref name="source"/> is not a usable template, or null when it is.</summary>
    public static string? ParseProblem(string source) =>
        Parser.TryParse(source, out _, out var error) ? null : $"is not a valid Liquid template ({error})";

    public static IFluidTemplate Parse(string source) =>
        Parser.TryParse(source, out var template, out var error)
            ? template
            : throw new ArgumentException($"not a valid Liquid template ({error})", nameof(source));

    /// <summary>A built-in template: the resource <c>&lt;name&gt;.liquid</c> embedded in <paramref name="assembly"/> (a sink's).</summary>
    public static IFluidTemplate Builtin(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name + ".liquid")
            ?? throw new InvalidOperationException($"built-in template {name}.liquid is missing from the assembly");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
