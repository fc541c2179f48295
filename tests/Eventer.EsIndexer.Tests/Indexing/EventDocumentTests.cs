using System.Text.Json.Nodes;
using Eventer.EsIndexer.Indexing;

namespace Eventer.EsIndexer.Tests.Indexing;

[Trait("Category", "Unit")]
public sealed class EventDocumentTests
{
    private static readonly SearchServer Elasticsearch8 = new(SearchDistribution.Elasticsearch, new Version(8, 15, 3));

    [Fact]
    public void A_kubelet_pod_event_fills_the_ecs_and_kubernetes_fields()
    {
        var message = EsSamples.KubeletBackOff("uid-1");

        var document = EventDocument.Build(message);

        Assert.Equal("2026-11-28T23:59:59.250000Z", Value(document, "@timestamp"));
        Assert.Equal(message.Message, Value(document, "message"));
        Assert.Equal("prod-hz/uid-1/7", Value(document, "event.id"));
        Assert.Equal("7", Value(document, "event.sequence"));
        Assert.Equal("kubelet", Value(document, "event.provider"));
        Assert.Equal("2026-11-27T09:00:00.500000Z", Value(document, "event.created"));
        Assert.Equal("prod-hz", Value(document, "orchestrator.cluster.name"));
        Assert.Equal("prod", Value(document, "orchestrator.namespace"));
        Assert.Equal("Pod", Value(document, "orchestrator.resource.type"));
        Assert.Equal("api-0", Value(document, "kubernetes.pod.name"));
        Assert.Equal("node-7", Value(document, "kubernetes.node.name"));
        Assert.Equal("node-7", Value(document, "host.name"));
        Assert.Equal("2026-11-28T23:00:00.123456Z", Value(document, "kubernetes.event.event_time"));
        Assert.Equal("spec.containers{web}", Value(document, "kubernetes.event.involved_object.field_path"));
        Assert.Equal("events.k8s.io/v1", Value(document, "kubernetes.event.api"));
        // Label keys stay as they are (dots and slashes included): one flattened field holds them all.
        Assert.Equal("svc", document["kubernetes"]!["event"]!["metadata"]!["labels"]!["app.kubernetes.io/name"]!.GetValue<string>());
    }

    [Fact]
    public void Empty_values_are_left_out_and_nothing_outside_the_table_is_written()
    {
        var document = EventDocument.Build(EsSamples.Seed("uid-2") with { Action = "", SourceHost = "" });

        Assert.Null(Value(document, "event.action"));
        Assert.Null(Value(document, "host.name"));
        Assert.Null(Value(document, "kubernetes.pod.name"));
        Assert.Null(document["kubernetes"]!["event"]!["related"]!["uid"]);
        var table = EventDocument.Fields.Select(f => f.Path).ToHashSet();
        Assert.All(Leaves(document, ""), path => Assert.Contains(path, table));
    }

    [Fact]
    public void The_mapping_maps_every_field_of_the_table_and_nothing_else()
    {
        var mappings = EventDocument.Mappings(Elasticsearch8);

        Assert.False(mappings["dynamic"]!.GetValue<bool>());
        Assert.Equal(EventDocument.Fields.Select(f => (f.Path, f.Type)).Order(), MappingTable.Leaves(mappings).Order());
    }

    [Theory]
    [InlineData(SearchDistribution.Elasticsearch, "7.17.25", "flattened", null)]
    [InlineData(SearchDistribution.OpenSearch, "2.17.1", "flat_object", null)]
    [InlineData(SearchDistribution.OpenSearch, "2.5.0", "object", false)]
    public void Labels_get_a_map_type_the_server_knows(SearchDistribution distribution, string version, string type, bool? enabled)
    {
        var labels = EventDocument.Mappings(new SearchServer(distribution, Version.Parse(version)))
            ["properties"]!["kubernetes"]!["properties"]!["event"]!["properties"]!["metadata"]!["properties"]!["labels"]!;

        Assert.Equal(type, labels["type"]!.GetValue<string>());
        Assert.Equal(enabled, labels["enabled"]?.GetValue<bool>());
    }

    private static string? Value(JsonObject document, string path)
    {
        JsonNode? node = document;
        foreach (var segment in path.Split('.'))
        {
            node = node?[segment];
        }

        return node?.ToString();
    }

    private static IEnumerable<string> Leaves(JsonObject node, string prefix)
    {
        foreach (var (name, value) in node)
        {
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (value is JsonObject child && !path.EndsWith("labels", StringComparison.Ordinal) && !path.EndsWith("annotations", StringComparison.Ordinal))
            {
                foreach (var leaf in Leaves(child, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }
}
