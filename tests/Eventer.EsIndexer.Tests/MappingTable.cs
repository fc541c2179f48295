using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Eventer.EsIndexer.Tests;

/// <summary>The README's mapping table, and the (field, type) leaves of an installed mapping, to compare the two.</summary>
internal static partial class MappingTable
{
    /// <summary>Rows of the table under "### Document fields" in README.md: (field, type).</summary>
    public static IReadOnlyList<(string Field, string Type)> FromReadme()
    {
        var readme = File.ReadAllLines(FindReadme());
        var start = Array.FindIndex(readme, l => l.StartsWith("### Document fields", StringComparison.Ordinal));
        Assert.True(start >= 0, "README.md has no '### Document fields' section");
        return readme.Skip(start + 1)
            .SkipWhile(l => !l.StartsWith('|'))
            .TakeWhile(l => l.StartsWith('|'))
            .Select(l => Row().Match(l))
            .Where(m => m.Success)
            .Select(m => (m.Groups["field"].Value, m.Groups["type"].Value.Trim()))
            .ToList();
    }

    /// <summary>Every mapped leaf of <paramref name="mappings"/>; a flattened/flat_object/disabled map counts as the README's <c>flattened</c>.</summary>
    public static IEnumerable<(string Field, string Type)> Leaves(JsonObject mappings, string prefix = "")
    {
        foreach (var (name, value) in mappings["properties"]!.AsObject())
        {
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            var field = value!.AsObject();
            if (field["properties"] is JsonObject)
            {
                foreach (var leaf in Leaves(field, path))
                {
                    yield return leaf;
                }

                continue;
            }

            var type = field["type"]!.GetValue<string>();
            yield return (path, type is "flat_object" || (type == "object" && field["enabled"]?.GetValue<bool>() == false) ? "flattened" : type);
        }
    }

    private static string FindReadme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "eventer.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("README.md next to eventer.sln");
    }

    [GeneratedRegex(@"^\|\s*`(?<field>[^`]+)`\s*\|(?<type>[^|]+)\|")]
    private static partial Regex Row();
}
