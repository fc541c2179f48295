using System.Globalization;
using System.Text.Json.Nodes;
using Eventer.Contracts;

namespace Eventer.EsIndexer.Indexing;

/// <summary>One field of the indexed document: its path, its mapping type, and where its value comes from.</summary>
public sealed record DocumentField(string Path, string Type, string Source, Func<KubeEventObserved, JsonNode?> Value)
{
    /// <summary>The objects the field sits in, outermost first: split once, as every occurrence's document walks them.</summary>
    public string[] Parents { get; } = Path.Split('.')[..^1];

    /// <summary>The field's own name, the path's last segment.</summary>
    public string Leaf { get; } = Path[(Path.LastIndexOf('.') + 1)..];
}

/// <summary>
/// The document an occurrence becomes, and the mapping it is indexed with — one table, so the
/// two cannot drift apart (and the README's table is compared with it by a test). Elastic Common
/// Schema names where ECS has the field, the rest under <c>kubernetes.event.*</c>. Empty values
/// are left out.
/// </summary>
public static class EventDocument
{
    /// <summary>The table's type for a map with arbitrary keys; the server decides what it becomes (<see cref="SearchServer.KeyValueMapType"/>).</summary>
    public const string KeyValueMap = "flattened";

    /// <summary>Longest keyword value that is indexed; longer ones stay in <c>_source</c> (Lucene refuses terms over 32,766 bytes).</summary>
    public const int KeywordIgnoreAbove = 1024;

    public static readonly IReadOnlyList<DocumentField> Fields =
    [
        new("@timestamp", "date", "when it occurred: series.lastObservedTime ?? lastTimestamp ?? eventTime ?? firstTimestamp ?? observedAt", m => Date(OccurredAt(m))),
        new("message", "text", "message (note)", m => Text(m.Message)),
        new("event.kind", "keyword", "`event`", _ => "event"),
        new("event.module", "keyword", "`kubernetes`", _ => "kubernetes"),
        new("event.dataset", "keyword", "`kubernetes.event`", _ => "kubernetes.event"),
        new("event.id", "keyword", "occurrence key `cluster/uid/occurrence` (also the document `_id`)", m => OccurrenceKey.For(m)),
        new("event.sequence", "long", "occurrence number", m => m.Occurrence),
        new("event.reason", "keyword", "reason", m => Text(m.Reason)),
        new("event.action", "keyword", "action (events.k8s.io)", m => Text(m.Action)),
        new("event.provider", "keyword", "reportingController, else source.component", m => Text(m.ReportingController.Length > 0 ? m.ReportingController : m.SourceComponent)),
        new("event.created", "date", "observedAt (collector clock)", m => Date(m.ObservedAt)),
        new("event.start", "date", "firstTimestamp ?? eventTime", m => Date(m.FirstTimestamp ?? m.EventTime)),
        new("event.end", "date", "series.lastObservedTime ?? lastTimestamp", m => Date(m.Series?.LastObservedTime ?? m.LastTimestamp)),
        new("orchestrator.type", "keyword", "`kubernetes`", _ => "kubernetes"),
        new("orchestrator.cluster.name", "keyword", "cluster", m => Text(m.Cluster)),
        new("orchestrator.namespace", "keyword", "involvedObject.namespace", m => Text(m.InvolvedObject.Namespace)),
        new("orchestrator.resource.type", "keyword", "involvedObject.kind", m => Text(m.InvolvedObject.Kind)),
        new("orchestrator.resource.name", "keyword", "involvedObject.name", m => Text(m.InvolvedObject.Name)),
        new("orchestrator.resource.id", "keyword", "involvedObject.uid", m => Text(m.InvolvedObject.Uid)),
        new("orchestrator.api_version", "keyword", "involvedObject.apiVersion", m => Text(m.InvolvedObject.ApiVersion)),
        new("host.name", "keyword", "source.host (the node, for kubelet events)", m => Text(m.SourceHost)),
        new("kubernetes.namespace", "keyword", "involvedObject.namespace", m => Text(m.InvolvedObject.Namespace)),
        new("kubernetes.pod.name", "keyword", "involvedObject.name when it is a Pod", m => m.InvolvedObject.Kind == "Pod" ? Text(m.InvolvedObject.Name) : null),
        new("kubernetes.pod.uid", "keyword", "involvedObject.uid when it is a Pod", m => m.InvolvedObject.Kind == "Pod" ? Text(m.InvolvedObject.Uid) : null),
        new("kubernetes.node.name", "keyword", "involvedObject.name when it is a Node, else source.host", m => Text(m.InvolvedObject.Kind == "Node" ? m.InvolvedObject.Name : m.SourceHost)),
        new("kubernetes.event.type", "keyword", "type (`Normal`, `Warning`)", m => Text(m.Type)),
        new("kubernetes.event.reason", "keyword", "reason", m => Text(m.Reason)),
        new("kubernetes.event.count", "long", "count, as served", m => m.Count),
        new("kubernetes.event.api", "keyword", "the API it was read from (`core/v1`, `events.k8s.io/v1`)", m => Text(m.SourceApi)),
        new("kubernetes.event.timestamp.first_occurrence", "date", "firstTimestamp", m => Date(m.FirstTimestamp)),
        new("kubernetes.event.timestamp.last_occurrence", "date", "lastTimestamp", m => Date(m.LastTimestamp)),
        new("kubernetes.event.event_time", "date_nanos", "eventTime (microseconds)", m => Date(m.EventTime)),
        new("kubernetes.event.series.count", "long", "series.count", m => m.Series?.Count),
        new("kubernetes.event.series.last_observed_time", "date", "series.lastObservedTime", m => Date(m.Series?.LastObservedTime)),
        new("kubernetes.event.metadata.uid", "keyword", "metadata.uid", m => Text(m.EventUid)),
        new("kubernetes.event.metadata.name", "keyword", "metadata.name", m => Text(m.EventName)),
        new("kubernetes.event.metadata.namespace", "keyword", "metadata.namespace", m => Text(m.EventNamespace)),
        new("kubernetes.event.metadata.resource_version", "keyword", "metadata.resourceVersion", m => Text(m.EventResourceVersion)),
        new("kubernetes.event.metadata.labels", KeyValueMap, "metadata.labels", m => Map(m.Labels)),
        new("kubernetes.event.metadata.annotations", KeyValueMap, "metadata.annotations", m => Map(m.Annotations)),
        .. Reference("involved_object", "involvedObject", m => m.InvolvedObject),
        .. Reference("related", "related", m => m.Related),
        new("kubernetes.event.source.component", "keyword", "source.component", m => Text(m.SourceComponent)),
        new("kubernetes.event.source.host", "keyword", "source.host", m => Text(m.SourceHost)),
        new("kubernetes.event.reporting.controller", "keyword", "reportingController", m => Text(m.ReportingController)),
        new("kubernetes.event.reporting.instance", "keyword", "reportingInstance", m => Text(m.ReportingInstance)),
    ];

    /// <summary>When the occurrence happened, by the most precise time the Event carries; it picks the daily index too.</summary>
    public static DateTimeOffset OccurredAt(KubeEventObserved m) =>
        m.Series?.LastObservedTime ?? m.LastTimestamp ?? m.EventTime ?? m.FirstTimestamp ?? m.ObservedAt;

    /// <summary>The document of one occurrence.</summary>
    public static JsonObject Build(KubeEventObserved message)
    {
        var document = new JsonObject();
        foreach (var field in Fields)
        {
            if (field.Value(message) is { } value)
            {
                var node = document;
                foreach (var segment in field.Parents)
                {
                    node = (JsonObject)(node[segment] ??= new JsonObject());
                }

                node[field.Leaf] = value;
            }
        }

        return document;
    }

    /// <summary>
    /// Explicit mappings for every field of the table. <c>dynamic: false</c>: a field the table
    /// does not know stays in <c>_source</c> and is never mapped, so nothing can grow the mapping.
    /// </summary>
    public static JsonObject Mappings(SearchServer server)
    {
        var properties = new JsonObject();
        foreach (var field in Fields)
        {
            var parent = properties;
            foreach (var segment in field.Parents)
            {
                parent = (JsonObject)(parent[segment] ??= new JsonObject { ["properties"] = new JsonObject() })["properties"]!;
            }

            parent[field.Leaf] = MappingOf(field.Type, server);
        }

        return new JsonObject { ["dynamic"] = false, ["properties"] = properties };
    }

    private static JsonObject MappingOf(string type, SearchServer server) => type switch
    {
        "keyword" => new JsonObject { ["type"] = "keyword", ["ignore_above"] = KeywordIgnoreAbove },
        KeyValueMap => server.KeyValueMapType switch
        {
            "flattened" => new JsonObject { ["type"] = "flattened", ["ignore_above"] = KeywordIgnoreAbove },
            "object" => new JsonObject { ["type"] = "object", ["enabled"] = false },
            var other => new JsonObject { ["type"] = other },
        },
        _ => new JsonObject { ["type"] = type },
    };

    private static IEnumerable<DocumentField> Reference(string name, string source, Func<KubeEventObserved, KubeObjectReference?> reference) =>
    [
        new($"kubernetes.event.{name}.kind", "keyword", $"{source}.kind", m => Text(reference(m)?.Kind)),
        new($"kubernetes.event.{name}.namespace", "keyword", $"{source}.namespace", m => Text(reference(m)?.Namespace)),
        new($"kubernetes.event.{name}.name", "keyword", $"{source}.name", m => Text(reference(m)?.Name)),
        new($"kubernetes.event.{name}.uid", "keyword", $"{source}.uid", m => Text(reference(m)?.Uid)),
        new($"kubernetes.event.{name}.api_version", "keyword", $"{source}.apiVersion", m => Text(reference(m)?.ApiVersion)),
        new($"kubernetes.event.{name}.resource_version", "keyword", $"{source}.resourceVersion", m => Text(reference(m)?.ResourceVersion)),
        new($"kubernetes.event.{name}.field_path", "keyword", $"{source}.fieldPath", m => Text(reference(m)?.FieldPath)),
    ];

    private static JsonNode? Text(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>UTC with microseconds, which every supported server's default date format reads.</summary>
    private static JsonNode? Date(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static JsonNode? Map(IReadOnlyDictionary<string, string> map)
    {
        if (map.Count == 0)
        {
            return null;
        }

        var json = new JsonObject();
        foreach (var (key, value) in map)
        {
            json[key] = value;
        }

        return json;
    }
}
