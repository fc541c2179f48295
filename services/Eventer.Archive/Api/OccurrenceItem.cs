using Eventer.Archive.Persistence;
using Eventer.Contracts;

namespace Eventer.Archive.Api;

/// <summary>
/// One occurrence as the API returns it: the message's fields in the contract's shape, plus the
/// archive's own. Times are <see cref="DateTime"/> in UTC so they serialize with a 'Z'.
/// </summary>
public sealed record OccurrenceItem(
    string OccurrenceKey,
    Guid MessageId,
    DateTime OccurredAt,
    DateTime StoredAt,
    string Cluster,
    string EventUid,
    string EventNamespace,
    string EventName,
    string EventResourceVersion,
    int Occurrence,
    string Type,
    string Reason,
    string Message,
    string Action,
    KubeObjectReference InvolvedObject,
    KubeObjectReference? Related,
    string SourceComponent,
    string SourceHost,
    string ReportingController,
    string ReportingInstance,
    DateTime? FirstTimestamp,
    DateTime? LastTimestamp,
    DateTime? EventTime,
    int? Count,
    OccurrenceSeries? Series,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    string SourceApi,
    DateTime ObservedAt)
{
    public static OccurrenceItem From(StoredOccurrence row)
    {
        var m = row.ToMessage();
        return new OccurrenceItem(
            row.OccurrenceKey, row.MessageId, row.OccurredAt.UtcDateTime, row.StoredAt.UtcDateTime,
            m.Cluster, m.EventUid, m.EventNamespace, m.EventName, m.EventResourceVersion, m.Occurrence,
            m.Type, m.Reason, m.Message, m.Action, m.InvolvedObject, m.Related,
            m.SourceComponent, m.SourceHost, m.ReportingController, m.ReportingInstance,
            m.FirstTimestamp?.UtcDateTime, m.LastTimestamp?.UtcDateTime, m.EventTime?.UtcDateTime, m.Count,
            m.Series is { } s ? new OccurrenceSeries(s.Count, s.LastObservedTime?.UtcDateTime) : null,
            m.Labels, m.Annotations, m.SourceApi, m.ObservedAt.UtcDateTime);
    }
}

/// <summary>The event series of an occurrence.</summary>
public sealed record OccurrenceSeries(int Count, DateTime? LastObservedTime);
