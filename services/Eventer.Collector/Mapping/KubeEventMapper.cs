using Eventer.Contracts;
using k8s.Models;

namespace Eventer.Collector.Mapping;

/// <summary>
/// Maps both Events APIs to <see cref="KubeEventObserved"/>, the one shape every sink reads.
/// </summary>
/// <remarks>
/// Every string is made storable on the way (<see cref="StorableText.Clean"/>): NUL characters and
/// unpaired UTF-16 surrogates, which an Event may carry but PostgreSQL and UTF-8 cannot, are replaced
/// by U+FFFD — in names, uids, reason, message, references, source, labels and annotations (keys and
/// values). The message (core/v1 <c>message</c>, events.k8s.io/v1 <c>note</c>) is also capped at
/// <see cref="StorableText.MaxMessageBytes"/> of UTF-8 (<see cref="StorableText.Cap"/>), ending in a
/// marker that says how many bytes were cut.
/// </remarks>
public sealed class KubeEventMapper(string cluster, TimeProvider clock)
{
    public KubeEventObserved FromCoreV1(Corev1Event e) => new()
    {
        Cluster = cluster,
        EventUid = Text(e.Metadata?.Uid),
        EventNamespace = Text(e.Metadata?.NamespaceProperty),
        EventName = Text(e.Metadata?.Name),
        EventResourceVersion = Text(e.Metadata?.ResourceVersion),
        Occurrence = OccurrenceKey.OccurrenceOf(e.Series?.Count, e.Count),
        Type = Text(e.Type),
        Reason = Text(e.Reason),
        Message = Message(e.Message),
        Action = Text(e.Action),
        InvolvedObject = Reference(e.InvolvedObject) ?? new KubeObjectReference(),
        Related = Reference(e.Related),
        SourceComponent = Text(e.Source?.Component),
        SourceHost = Text(e.Source?.Host),
        ReportingController = Text(e.ReportingComponent),
        ReportingInstance = Text(e.ReportingInstance),
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
        EventUid = Text(e.Metadata?.Uid),
        EventNamespace = Text(e.Metadata?.NamespaceProperty),
        EventName = Text(e.Metadata?.Name),
        EventResourceVersion = Text(e.Metadata?.ResourceVersion),
        Occurrence = OccurrenceKey.OccurrenceOf(e.Series?.Count, e.DeprecatedCount),
        Type = Text(e.Type),
        Reason = Text(e.Reason),
        Message = Message(e.Note),
        Action = Text(e.Action),
        InvolvedObject = Reference(e.Regarding) ?? new KubeObjectReference(),
        Related = Reference(e.Related),
        SourceComponent = Text(e.DeprecatedSource?.Component),
        SourceHost = Text(e.DeprecatedSource?.Host),
        ReportingController = Text(e.ReportingController),
        ReportingInstance = Text(e.ReportingInstance),
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
        Kind = Text(r.Kind),
        Namespace = Text(r.NamespaceProperty),
        Name = Text(r.Name),
        Uid = Text(r.Uid),
        ApiVersion = Text(r.ApiVersion),
        FieldPath = Text(r.FieldPath),
        ResourceVersion = Text(r.ResourceVersion),
    };

    // The client hands timestamps over as DateTime; the wire format is always UTC ("Z").
    private static DateTimeOffset? Utc(DateTime? value) => value switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        var other => new DateTimeOffset(DateTime.SpecifyKind(other.Value, DateTimeKind.Utc), TimeSpan.Zero),
    };

    private static string Text(string? value) => StorableText.Clean(value);

    private static string Message(string? value) => StorableText.Cap(StorableText.Clean(value), StorableText.MaxMessageBytes);

    private static Dictionary<string, string> Copy(IDictionary<string, string>? source)
    {
        var copy = new Dictionary<string, string>(source?.Count ?? 0);
        foreach (var (key, value) in source ?? Enumerable.Empty<KeyValuePair<string, string>>())
        {
            // Two keys that differ only in what is replaced become one; the last wins.
            copy[Text(key)] = Text(value);
        }

        return copy;
    }
}
