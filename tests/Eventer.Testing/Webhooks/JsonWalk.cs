using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Eventer.Testing.Webhooks;

/// <summary>One node of a JSON tree with where it sits: a path for messages and the property that holds it.</summary>
/// <param name="Path">JSONPath-like: <c>$.blocks[0].text.text</c>.</param>
/// <param name="Name">The property name holding the node; null for array items and the root.</param>
/// <param name="Node">The node itself (null for a JSON null).</param>
internal readonly record struct JsonPlace(string Path, string? Name, JsonNode? Node);

/// <summary>Walks a JSON tree depth first, in document order, for the fakes' content checks.</summary>
internal static class JsonWalk
{
    public static IEnumerable<JsonPlace> Nodes(JsonNode? root)
    {
        var stack = new Stack<JsonPlace>();
        stack.Push(new JsonPlace("$", null, root));
        while (stack.TryPop(out var place))
        {
            yield return place;
            switch (place.Node)
            {
                case JsonObject obj:
                    foreach (var (name, child) in obj.Reverse())
                    {
                        stack.Push(new JsonPlace($"{place.Path}.{name}", name, child));
                    }

                    break;
                case JsonArray array:
                    for (var i = array.Count - 1; i >= 0; i--)
                    {
                        stack.Push(new JsonPlace($"{place.Path}[{i.ToString(CultureInfo.InvariantCulture)}]", null, array[i]));
                    }

                    break;
            }
        }
    }

    /// <summary>Every string value held by a property whose name is in <paramref name="names"/>, in document order.</summary>
    public static IEnumerable<(string Path, string Value)> StringsNamed(JsonNode? root, IReadOnlySet<string> names) =>
        from place in Nodes(root)
        where place.Name is { } name && names.Contains(name) && String(place.Node) is not null
        select (place.Path, String(place.Node)!);

    /// <summary>The node's string, or null when it is not a JSON string.</summary>
    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
