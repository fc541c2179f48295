using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Eventer.Deploy.Tests.Compose;

/// <summary>
/// docker-compose.yml as compose reads it: anchors and merge keys (<c>&lt;&lt;: *x</c>) resolved, and
/// <c>${VAR:-default}</c> interpolated from the variables given and the project's <c>.env</c>
/// (never from the test's own environment, so the result is the same on every machine).
/// </summary>
public sealed partial class ComposeFile
{
    private ComposeFile(Dictionary<string, ComposeService> services, IReadOnlyDictionary<string, string> variables)
    {
        Services = services;
        Variables = variables;
    }

    public IReadOnlyDictionary<string, ComposeService> Services { get; }

    /// <summary>The variables interpolation used: <c>.env</c>, then those the caller gave.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; }

    public static string DefaultPath => RepositoryRoot.Combine("docker-compose.yml");

    public static ComposeFile Load(IReadOnlyDictionary<string, string>? variables = null, string? path = null)
    {
        path ??= DefaultPath;
        var all = DotEnv(Path.Combine(Path.GetDirectoryName(path)!, ".env"));
        foreach (var (key, value) in variables ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var stream = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(path)))
        {
            stream.Load(new MergingParser(new Parser(reader)));
        }

        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var services = ((YamlMappingNode)root["services"]).Children.ToDictionary(
            s => ((YamlScalarNode)s.Key).Value!,
            s => new ComposeService(((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value, v => Interpolate(v, all)));
        return new ComposeFile(services, all);
    }

    /// <summary>The top-level keys of the file (compose 1.29 refuses some that v2 accepts).</summary>
    public static IReadOnlyList<string> TopLevelKeys(string? path = null)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(path ?? DefaultPath));
        stream.Load(new MergingParser(new Parser(reader)));
        return [.. ((YamlMappingNode)stream.Documents[0].RootNode).Children.Keys.Select(k => ((YamlScalarNode)k).Value!)];
    }

    /// <summary>
    /// The services <c>docker compose up</c> starts with these profiles: those without profiles and
    /// those in one of them. No profile given means COMPOSE_PROFILES (from .env), as compose does.
    /// </summary>
    public IReadOnlyList<ComposeService> Enabled(params string[] profiles)
    {
        var active = profiles.Length > 0
            ? profiles
            : Variables.TryGetValue("COMPOSE_PROFILES", out var fromEnv) ? fromEnv.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
        return [.. Services.Values.Where(s => s.Profiles.Count == 0 || s.Profiles.Intersect(active).Any())];
    }

    /// <summary>Compose's interpolation: <c>$$</c>, <c>${VAR}</c>, <c>${VAR:-default}</c>, <c>${VAR-default}</c>, <c>${VAR:?error}</c>, <c>$VAR</c>.</summary>
    public static string Interpolate(string value, IReadOnlyDictionary<string, string> variables) =>
        Reference().Replace(value, m =>
        {
            if (m.Value == "$$")
            {
                return "$";
            }

            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["bare"].Value;
            var set = variables.TryGetValue(name, out var current);
            return m.Groups["op"].Value switch
            {
                ":-" => set && current!.Length > 0 ? current : m.Groups["arg"].Value,
                "-" => set ? current! : m.Groups["arg"].Value,
                ":?" or "?" when !set || (m.Groups["op"].Value == ":?" && current!.Length == 0) =>
                    throw new InvalidOperationException($"${{{name}}} is required: {m.Groups["arg"].Value}"),
                _ => current ?? "",
            };
        });

    private static Dictionary<string, string> DotEnv(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return values;
        }

        foreach (var line in File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            values[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return values;
    }

    [GeneratedRegex(@"\$\$|\$\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:-|-|:\?|\?)(?<arg>[^}]*))?\}|\$(?<bare>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Reference();
}

/// <summary>One service of a compose file, its values interpolated.</summary>
public sealed class ComposeService(string name, YamlMappingNode node, Func<string, string> interpolate)
{
    public string Name { get; } = name;

    public YamlMappingNode Node { get; } = node;

    public string? Image => Scalar("image");

    /// <summary>The image's name below <c>eventer/</c>, for an eventer image; else null.</summary>
    public string? EventerImage => Image is { } image && image.StartsWith("eventer/", StringComparison.Ordinal) ? image["eventer/".Length..].Split(':')[0] : null;

    public IReadOnlyList<string> Profiles => Sequence("profiles");

    /// <summary>The environment, in either of compose's forms (a map, or a list of KEY=value).</summary>
    public IReadOnlyDictionary<string, string?> Environment =>
        Node.Children.TryGetValue("environment", out var env) ? env switch
        {
            YamlMappingNode map => map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Value(kv.Value)),
            YamlSequenceNode list => list.Children.Select(i => Value(i)!).ToDictionary(i => i.Split('=')[0], i => i.Contains('=') ? i[(i.IndexOf('=') + 1)..] : null),
            _ => throw new InvalidOperationException($"{Name}: environment is neither a map nor a list"),
        } : new Dictionary<string, string?>();

    /// <summary>depends_on as service → condition (the short list form means service_started).</summary>
    public IReadOnlyDictionary<string, string> DependsOn =>
        Node.Children.TryGetValue("depends_on", out var deps) ? deps switch
        {
            YamlSequenceNode list => list.Children.ToDictionary(d => Value(d)!, _ => "service_started"),
            YamlMappingNode map => map.Children.ToDictionary(
                kv => ((YamlScalarNode)kv.Key).Value!,
                kv => kv.Value is YamlMappingNode m && m.Children.TryGetValue("condition", out var c) ? Value(c)! : "service_started"),
            _ => throw new InvalidOperationException($"{Name}: depends_on is neither a list nor a map"),
        } : new Dictionary<string, string>();

    /// <summary>The healthcheck's test, as a list (CMD form) or one CMD-SHELL string.</summary>
    public IReadOnlyList<string> HealthCheck =>
        Node.Children.TryGetValue("healthcheck", out var check) && check is YamlMappingNode m && m.Children.TryGetValue("test", out var test)
            ? test is YamlSequenceNode list ? [.. list.Children.Select(c => Value(c)!)] : [Value(test)!]
            : [];

    public IReadOnlyList<string> Volumes => Sequence("volumes");

    public IReadOnlyList<string> Tmpfs => Node.Children.TryGetValue("tmpfs", out var t) && t is YamlScalarNode s ? [Value(s)!] : Sequence("tmpfs");

    public IReadOnlyList<string> Aliases =>
        Node.Children.TryGetValue("networks", out var n) && n is YamlMappingNode networks
        && networks.Children.TryGetValue("default", out var d) && d is YamlMappingNode network
        && network.Children.TryGetValue("aliases", out var a) && a is YamlSequenceNode aliases
            ? [.. aliases.Children.Select(x => Value(x)!)]
            : [];

    /// <summary>The names other services reach this one by.</summary>
    public IReadOnlyList<string> HostNames => [Name, .. Aliases];

    public string? Scalar(string key) => Node.Children.TryGetValue(key, out var value) ? Value(value) : null;

    /// <summary>A value below a mapping key, e.g. Scalar("build", "dockerfile").</summary>
    public string? Scalar(string key, string child) =>
        Node.Children.TryGetValue(key, out var value) && value is YamlMappingNode map && map.Children.TryGetValue(child, out var inner) ? Value(inner) : null;

    public IReadOnlyList<string> Sequence(string key) =>
        Node.Children.TryGetValue(key, out var value) && value is YamlSequenceNode list ? [.. list.Children.Select(c => Value(c)!)] : [];

    private string? Value(YamlNode node) => node is YamlScalarNode { Value: { } text } ? interpolate(text) : null;
}
