using System.Text.Json;

namespace Eventer.Deploy.Tests.Docker;

/// <summary>One instruction: its keyword (upper case), its flags (<c>--from=build</c>) and its arguments.</summary>
public sealed record Instruction(string Keyword, IReadOnlyList<string> Flags, IReadOnlyList<string> Arguments, string Text);

/// <summary>A Dockerfile read the way the builder reads it: comments dropped, <c>\</c> continuations joined, stages split at FROM.</summary>
public sealed class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<IReadOnlyList<Instruction>> stages)
    {
        Path = path;
        Stages = stages;
    }

    public string Path { get; }

    /// <summary>Relative to the repo root, e.g. <c>services/Eventer.Collector/Dockerfile</c>.</summary>
    public string RelativePath => System.IO.Path.GetRelativePath(RepositoryRoot.Path, Path).Replace('\\', '/');

    /// <summary>Each stage's instructions, its FROM first.</summary>
    public IReadOnlyList<IReadOnlyList<Instruction>> Stages { get; }

    public IReadOnlyList<Instruction> Build => Stages[0];

    public IReadOnlyList<Instruction> Runtime => Stages[^1];

    /// <summary>The project's name, from its folder (e.g. <c>Eventer.Collector</c>).</summary>
    public string Project => System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(Path))!;

    /// <summary>
    /// Whether the project next to the Dockerfile is compiled ahead of time when published
    /// (<c>&lt;PublishAot&gt;true&lt;/PublishAot&gt;</c>): its image then holds a native executable and no runtime.
    /// </summary>
    public bool IsNative =>
        System.Xml.Linq.XDocument.Load(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, Project + ".csproj"))
            .Descendants("PublishAot").Any(e => string.Equals(e.Value.Trim(), "true", StringComparison.OrdinalIgnoreCase));

    /// <summary>What the image runs: <c>dotnet X.dll</c>, or the native executable <c>/app/X</c>.</summary>
    public IReadOnlyList<string> ExpectedEntryPoint => IsNative ? [$"/app/{Project}"] : ["dotnet", $"{Project}.dll"];

    /// <summary>Every Dockerfile in the repository's services and tools.</summary>
    public static IReadOnlyList<string> All() =>
        [.. new[] { "services", "tools" }
            .SelectMany(folder => Directory.GetFiles(RepositoryRoot.Combine(folder), "Dockerfile", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{System.IO.Path.DirectorySeparatorChar}bin{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => System.IO.Path.GetRelativePath(RepositoryRoot.Path, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    public static Dockerfile Load(string relativePath)
    {
        var path = RepositoryRoot.Combine(relativePath.Split('/'));
        var stages = new List<List<Instruction>>();
        foreach (var line in LogicalLines(File.ReadAllLines(path)))
        {
            var instruction = Parse(line);
            if (instruction.Keyword == "FROM")
            {
                stages.Add([]);
            }

            if (stages.Count == 0)
            {
                throw new InvalidDataException($"{relativePath}: {instruction.Keyword} before the first FROM");
            }

            stages[^1].Add(instruction);
        }

        return new Dockerfile(path, stages);
    }

    private static IEnumerable<string> LogicalLines(IEnumerable<string> lines)
    {
        var current = "";
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.TrimStart().StartsWith('#') || (current.Length == 0 && line.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            yield return (current + line).Trim();
            current = "";
        }

        if (current.Trim().Length > 0)
        {
            yield return current.Trim();
        }
    }

    private static Instruction Parse(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : line[(space + 1)..].Trim();

        // Flags come first (COPY --from=build, HEALTHCHECK --interval=10s …).
        var flags = new List<string>();
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOf(' ', StringComparison.Ordinal);
            flags.Add(end < 0 ? rest : rest[..end]);
            rest = end < 0 ? "" : rest[(end + 1)..].TrimStart();
        }

        // The exec (JSON) form, else words split on white space.
        IReadOnlyList<string> arguments = rest.StartsWith('[')
            ? JsonSerializer.Deserialize<string[]>(rest)!
            : rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new Instruction(keyword, flags, arguments, line);
    }
}
