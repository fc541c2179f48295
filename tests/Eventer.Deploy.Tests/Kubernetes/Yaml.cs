using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>The few YAML node operations the kustomize loader needs, by key text (a node's tag never matters here).</summary>
public static class Yaml
{
    /// <summary>Every document of a file (or of <paramref name="text"/>, read as coming from it), each a map.</summary>
    public static IReadOnlyList<YamlMappingNode> LoadDocuments(string file, string? text = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text ?? File.ReadAllText(file)));
        return stream.Documents
            .Where(d => d.RootNode is not YamlScalarNode { Value: null or "" })
            .Select(d => d.RootNode as YamlMappingNode ?? throw new InvalidDataException($"{file}: a document is not a map"))
            .ToList();
    }

    public static string Serialize(YamlNode node)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlMappingNode map) =>
        map.Children.Select(c => (((YamlScalarNode)c.Key).Value ?? "", c.Value));

    public static IEnumerable<string> Keys(this YamlMappingNode map) => map.Entries().Select(e => e.Key);

    public static YamlNode? Get(this YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(c => ((YamlScalarNode)c.Key).Value == key).Value;

    public static string? Scalar(this YamlMappingNode map, string key) => (map.Get(key) as YamlScalarNode)?.Value;

    public static YamlMappingNode? Map(this YamlMappingNode map, string key) => map.Get(key) as YamlMappingNode;

    public static IEnumerable<YamlMappingNode> Maps(this YamlMappingNode map, string key) =>
        (map.Get(key) as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? [];

    public static IEnumerable<string> Strings(this YamlMappingNode map, string key) =>
        (map.Get(key) as YamlSequenceNode)?.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "") ?? [];

    /// <summary>Sets a key's value, in place when it exists (the order of keys stays as written).</summary>
    public static void Set(this YamlMappingNode map, string key, YamlNode value)
    {
        var existing = map.Children.Keys.FirstOrDefault(k => ((YamlScalarNode)k).Value == key);
        if (existing is null)
        {
            map.Add(key, value);
        }
        else
        {
            map.Children[existing] = value;
        }
    }

    public static void Remove(this YamlMappingNode map, string key)
    {
        var existing = map.Children.Keys.FirstOrDefault(k => ((YamlScalarNode)k).Value == key);
        if (existing is not null)
        {
            map.Children.Remove(existing);
        }
    }

    /// <summary>A string that stays a string whatever it looks like ("1", "true").</summary>
    public static YamlScalarNode Quoted(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };

    public static YamlNode Clone(YamlNode node) => node switch
    {
        YamlScalarNode s => new YamlScalarNode(s.Value) { Style = s.Style, Tag = s.Tag },
        YamlSequenceNode l => new YamlSequenceNode(l.Children.Select(Clone)),
        YamlMappingNode m => new YamlMappingNode(m.Children.Select(c => new KeyValuePair<YamlNode, YamlNode>(Clone(c.Key), Clone(c.Value)))),
        _ => throw new NotSupportedException(node.GetType().Name),
    };
}
