namespace Eventer.Contracts;

/// <summary>
/// One occurrence of a Kubernetes Event, as the collector observed it. Published once per
/// occurrence (see <see cref="OccurrenceKey"/>); carries everything a sink needs without
/// calling the API server. The namespace and type name are the wire identity: changes are
/// additive only, a breaking change is a new type.
/// </summary>
public sealed record KubeEventObserved
{
    /// <summary>Name of the cluster the collector watches (from its configuration).</summary>
    public string Cluster { get; init; } = "";

    /// <summary>metadata.uid of the Event object.</summary>
    public string EventUid { get; init; } = "";

    /// <summary>metadata.namespace of the Event object (cluster-scoped objects' events live in <c>default</c>).</summary>
    public string EventNamespace { get; init; } = "";

    /// <summary>metadata.name of the Event object (<c>&lt;involved name&gt;.&lt;hex nanoseconds&gt;</c>).</summary>
    public string EventName { get; init; } = "";

    /// <summary>metadata.resourceVersion of the Event object when observed.</summary>
    public string EventResourceVersion { get; init; } = "";

    /// <summary>The occurrence number: <c>series.count ?? count ?? 1</c>; part of the occurrence key.</summary>
    public int Occurrence { get; init; } = 1;

    /// <summary><c>Normal</c> or <c>Warning</c>.</summary>
    public string Type { get; init; } = "";

    /// <summary>Short machine-readable reason, e.g. <c>BackOff</c>.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Human-readable text (core/v1 <c>message</c>, events.k8s.io/v1 <c>note</c>).</summary>
    public string Message { get; init; } = "";

    /// <summary>What was taken or failed (events.k8s.io/v1 <c>action</c>); empty when not set.</summary>
    public string Action { get; init; } = "";

    /// <summary>The object the event is about (core/v1 <c>involvedObject</c>, events.k8s.io/v1 <c>regarding</c>).</summary>
    public KubeObjectReference InvolvedObject { get; init; } = new();

    /// <summary>A secondary object (core/v1 <c>related</c>), when set.</summary>
    public KubeObjectReference? Related { get; init; }

    /// <summary>core/v1 <c>source.component</c> (events.k8s.io/v1 <c>deprecatedSource.component</c>).</summary>
    public string SourceComponent { get; init; } = "";

    /// <summary>core/v1 <c>source.host</c> (events.k8s.io/v1 <c>deprecatedSource.host</c>).</summary>
    public string SourceHost { get; init; } = "";

    /// <summary>The controller that emitted the event, e.g. <c>kubelet</c>.</summary>
    public string ReportingController { get; init; } = "";

    /// <summary>The instance of that controller, e.g. a node name.</summary>
    public string ReportingInstance { get; init; } = "";

    /// <summary>When the event was first recorded (core/v1 <c>firstTimestamp</c>), UTC.</summary>
    public DateTimeOffset? FirstTimestamp { get; init; }

    /// <summary>When the event was most recently recorded (core/v1 <c>lastTimestamp</c>), UTC.</summary>
    public DateTimeOffset? LastTimestamp { get; init; }

    /// <summary>events.k8s.io <c>eventTime</c> (microsecond precision), UTC.</summary>
    public DateTimeOffset? EventTime { get; init; }

    /// <summary>core/v1 <c>count</c> (events.k8s.io/v1 <c>deprecatedCount</c>), as served.</summary>
    public int? Count { get; init; }

    /// <summary>The event series, for events emitted by the new recorder.</summary>
    public KubeEventSeries? Series { get; init; }

    /// <summary>The Event object's labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The Event object's annotations.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The API the event was read from: <see cref="KubeEventApis.CoreV1"/> or <see cref="KubeEventApis.EventsV1"/>.</summary>
    public string SourceApi { get; init; } = KubeEventApis.CoreV1;

    /// <summary>When the collector observed this occurrence (collector clock), UTC.</summary>
    public DateTimeOffset ObservedAt { get; init; }
}

/// <summary>A reference to a Kubernetes object (core/v1 ObjectReference).</summary>
public sealed record KubeObjectReference
{
    /// <summary>Kind, e.g. <c>Pod</c>.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Namespace; empty for cluster-scoped objects.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>Name of the object.</summary>
    public string Name { get; init; } = "";

    /// <summary>UID of the object.</summary>
    public string Uid { get; init; } = "";

    /// <summary>API version, e.g. <c>v1</c> or <c>apps/v1</c>.</summary>
    public string ApiVersion { get; init; } = "";

    /// <summary>Field inside the object, e.g. <c>spec.containers{web}</c>.</summary>
    public string FieldPath { get; init; } = "";

    /// <summary>The object's resourceVersion the event refers to.</summary>
    public string ResourceVersion { get; init; } = "";
}

/// <summary>An event series: how often an event recurred and when it was last seen.</summary>
public sealed record KubeEventSeries
{
    /// <summary>Number of occurrences in this series up to <see cref="LastObservedTime"/>.</summary>
    public int Count { get; init; }

    /// <summary>Time of the last occurrence observed, UTC.</summary>
    public DateTimeOffset? LastObservedTime { get; init; }
}

/// <summary>Values of <see cref="KubeEventObserved.SourceApi"/>.</summary>
public static class KubeEventApis
{
    /// <summary>The legacy core/v1 Events API (<c>/api/v1/events</c>).</summary>
    public const string CoreV1 = "core/v1";

    /// <summary>The events.k8s.io/v1 API (<c>/apis/events.k8s.io/v1/events</c>).</summary>
    public const string EventsV1 = "events.k8s.io/v1";
}
