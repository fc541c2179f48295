using Eventer.Contracts;
using k8s.Models;

namespace Eventer.Collector.Mapping;

/// <summary>Maps both Events APIs to <see cref="KubeEventObserved"/>, the one shape every sink reads.</summary>
public sealed class KubeEventMapper(string cluster, TimeProvider clock)
{
    public KubeEventObserved FromCoreV1(Corev1Event e) => new()
    {
        Cluster = cluster,
        EventUid = e.Metadata?.Uid ?? "",
        EventNamespace = e.Metadata?.NamespaceProperty ?? "",
        EventName = e.Metadata?.Name ?? "",
        EventResourceVersion = e.Metadata?.ResourceVersion ?? "",
        Occurrence = OccurrenceKey.OccurrenceOf(e.Series?.Count, e.Count),
        Type = e.Type ?? "",
        Reason = e.Reason ?? "",
        Message = e.Message ?? "",
        Action = e.Action ?? "",
        InvolvedObject = Reference(e.InvolvedObject) ?? new KubeObjectReference(),
        Related = Reference(e.Related),
        SourceComponent = e.Source?.Component ?? "",
        SourceHost = e.Source?.Host ?? "",
        ReportingController = e.ReportingComponent ?? "",
        ReportingInstance = e.ReportingInstance ?? "",
        FirstTimestamp = Utc(e.FirstTimestamp),
        LastTimestamp = Utc(e.LastTimestamp),
        EventTime = Utc(e.EventTime),
        Count = e.Count,
        Series = e.Series is null ? null : new KubeEventSeries { Count = e.Series.Count ?? 0, LastObservedTime = Utc(e.Series.LastObservedTime) },
        Labels = Copy(e.Metadata?.Labels),
        Annotations = Copy(e.Metadata?.Annotations),
        SourceApi = KubeEventApis.CoreV1,
        ObservedAt = clock.GetUtcNow(),
    };

    public KubeEventObserved FromEventsV1(Eventsv1Event e) => new()
    {
        Cluster = cluster,
        EventUid = e.Metadata?.Uid ?? "",
        EventNamespace = e.Metadata?.NamespaceProperty ?? "",
        EventName = e.Metadata?.Name ?? "",
        EventResourceVersion = e.Metadata?.ResourceVersion ?? "",
        Occurrence = OccurrenceKey.OccurrenceOf(e.Series?.Count, e.DeprecatedCount),
        Type = e.Type ?? "",
        Reason = e.Reason ?? "",
        Message = e.Note ?? "",
        Action = e.Action ?? "",
        InvolvedObject = Reference(e.Regarding) ?? new KubeObjectReference(),
        Related = Reference(e.Related),
        SourceComponent = e.DeprecatedSource?.Component ?? "",
        SourceHost = e.DeprecatedSource?.Host ?? "",
        ReportingController = e.ReportingController ?? "",
        ReportingInstance = e.ReportingInstance ?? "",
        FirstTimestamp = Utc(e.DeprecatedFirstTimestamp),
        LastTimestamp = Utc(e.DeprecatedLastTimestamp),
        EventTime = Utc(e.EventTime),
        Count = e.DeprecatedCount,
        Series = e.Series is null ? null : new KubeEventSeries { Count = e.Series.Count, LastObservedTime = Utc(e.Series.LastObservedTime) },
        Labels = Copy(e.Metadata?.Labels),
        Annotations = Copy(e.Metadata?.Annotations),
        SourceApi = KubeEventApis.EventsV1,
        ObservedAt = clock.GetUtcNow(),
    };

    private static KubeObjectReference? Reference(V1ObjectReference? r) => r is null ? null : new KubeObjectReference
    {
        Kind = r.Kind ?? "",
        Namespace = r.NamespaceProperty ?? "",
        Name = r.Name ?? "",
        Uid = r.Uid ?? "",
        ApiVersion = r.ApiVersion ?? "",
        FieldPath = r.FieldPath ?? "",
        ResourceVersion = r.ResourceVersion ?? "",
    };

    // The client hands timestamps over as DateTime; the wire format is always UTC ("Z").
    private static DateTimeOffset? Utc(DateTime? value) => value switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        var other => new DateTimeOffset(DateTime.SpecifyKind(other.Value, DateTimeKind.Utc), TimeSpan.Zero),
    };

    private static Dictionary<string, string> Copy(IDictionary<string, string>? source) =>
        source is null ? [] : new Dictionary<string, string>(source);
}
