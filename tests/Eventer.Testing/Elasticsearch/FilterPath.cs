using System.Text.Json.Nodes;

namespace Eventer.Testing.Elasticsearch;

/// <summary>
/// The <c>filter_path</c> response filter, including its pruning: an object or array left with nothing that
/// matched disappears, so with <c>filter_path=items.*.error</c> a successful bulk item vanishes from
/// <c>items</c> and the positions stop lining up (elastic/elasticsearch#63842). Supports inclusive paths
/// with <c>*</c> globs inside a segment and <c>**</c> for any depth; exclusions (<c>-path</c>) are not emulated.
/// </summary>
internal static class FilterPath
{
    public static JsonNode Apply(JsonNode body, string filterPath)
    {
        var patterns = filterPath
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(path => path.Split('.'))
            .ToList();
        return Filter(body, patterns) ?? new JsonObject();
    }

    private static JsonNode? Filter(JsonNode? node, List<string[]> patterns)
    {
        if (patterns.Any(p => p.Length == 0))
        {
            return node?.DeepClone();
        }

        switch (node)
        {
            case JsonObject obj:
                var kept = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    var rest = new List<string[]>();
                    foreach (var pattern in patterns)
                    {
                        if (pattern[0] == "**")
                        {
                            rest.Add(pattern); // ** may swallow this level too
                            if (pattern.Length > 1 && Glob(pattern[1], name))
                            {
                                rest.Add(pattern[2..]);
                            }
                        }
                        else if (Glob(pattern[0], name))
                        {
                            rest.Add(pattern[1..]);
                        }
                    }

                    if (rest.Count > 0 && Filter(value, rest) is { } filtered)
                    {
                        kept[name] = filtered;
                    }
                }

                return kept.Count > 0 ? kept : null;
            case JsonArray array:
                // Array elements are matched at the same level as the array; the ones left empty are dropped.
                var elements = new JsonArray();
                foreach (var element in array)
                {
                    if (Filter(element, patterns) is { } filtered)
                    {
                        elements.Add(filtered);
                    }
                }

                return elements.Count > 0 ? elements : null;
            default:
                return null; // a leaf the path did not end at
        }
    }

    private static bool Glob(string pattern, string name)
    {
        if (!pattern.Contains('*'))
        {
            return pattern == name;
        }

        var parts = pattern.Split('*');
        if (!name.StartsWith(parts[0], StringComparison.Ordinal) || !name.EndsWith(parts[^1], StringComparison.Ordinal))
        {
            return false;
        }

        var at = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = name.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + parts[i].Length;
        }

        return at <= name.Length - parts[^1].Length;
    }
}
