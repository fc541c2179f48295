using System.Text.Json;
using Eventer.Archive.Persistence;
using Eventer.Contracts;

namespace Eventer.Archive.Api;

/// <summary>Turns a row back into the message it was stored from, for replay and for the API's items.</summary>
internal static class StoredOccurrenceMapping
{
    /// <summary>The store wrote these columns with the serializer's defaults, so they are read back the same way.</summary>
    private static readonly JsonSerializerOptions StoredJson = JsonSerializerOptions.Default;

    public static KubeEventObserved ToMessage(this StoredOccurrence row) => new()
    {
        Cluster = row.Cluster,
        EventUid = row.EventUid,
        EventNamespace = row.EventNamespace,
        EventName = row.EventName,
        EventResourceVersion = row.EventResourceVersion,
        Occurrence = row.Occurrence,
        Type = row.Type,
        Reason = row.Reason,
        Message = row.Message,
        Action = row.Action,
        InvolvedObject = new KubeObjectReference
        {
            Kind = row.InvolvedKind,
            Namespace = row.InvolvedNamespace,
            Name = row.InvolvedName,
            Uid = row.InvolvedUid,
            ApiVersion = row.InvolvedApiVersion,
            FieldPath = row.InvolvedFieldPath,
            ResourceVersion = row.InvolvedResourceVersion,
        },
        Related = row.Related is null ? null : JsonSerializer.Deserialize<KubeObjectReference>(row.Related, StoredJson),
        SourceComponent = row.SourceComponent,
        SourceHost = row.SourceHost,
        ReportingController = row.ReportingController,
        ReportingInstance = row.ReportingInstance,
        FirstTimestamp = row.FirstTimestamp,
        LastTimestamp = row.LastTimestamp,
        EventTime = row.EventTime,
        Count = row.Count,
        Series = row.SeriesCount is { } seriesCount
            ? new KubeEventSeries { Count = seriesCount, LastObservedTime = row.SeriesLastObservedTime }
            : null,
        Labels = Dictionary(row.Labels),
        Annotations = Dictionary(row.Annotations),
        SourceApi = row.SourceApi,
        ObservedAt = row.ObservedAt,
    };

    private static Dictionary<string, string> Dictionary(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json, StoredJson) ?? [];
}
