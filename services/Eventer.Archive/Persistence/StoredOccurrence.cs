namespace Eventer.Archive.Persistence;

/// <summary>One occurrence of an Event, as archived: one row per occurrence key.</summary>
public sealed class StoredOccurrence
{
    public required string OccurrenceKey { get; init; }
    public Guid MessageId { get; init; }
    public required string Cluster { get; init; }
    public required string EventUid { get; init; }
    public required string EventNamespace { get; init; }
    public required string EventName { get; init; }
    public required string EventResourceVersion { get; init; }
    public int Occurrence { get; init; }
    public required string Type { get; init; }
    public required string Reason { get; init; }
    public required string Message { get; init; }
    public required string Action { get; init; }
    public required string InvolvedKind { get; init; }
    public required string InvolvedNamespace { get; init; }
    public required string InvolvedName { get; init; }
    public required string InvolvedUid { get; init; }
    public required string InvolvedApiVersion { get; init; }
    public required string InvolvedFieldPath { get; init; }
    public required string InvolvedResourceVersion { get; init; }

    /// <summary>The related object as JSON, when the event has one.</summary>
    public string? Related { get; init; }

    public required string SourceComponent { get; init; }
    public required string SourceHost { get; init; }
    public required string ReportingController { get; init; }
    public required string ReportingInstance { get; init; }
    public DateTimeOffset? FirstTimestamp { get; init; }
    public DateTimeOffset? LastTimestamp { get; init; }
    public DateTimeOffset? EventTime { get; init; }
    public int? Count { get; init; }
    public int? SeriesCount { get; init; }
    public DateTimeOffset? SeriesLastObservedTime { get; init; }

    /// <summary>The Event's labels as a JSON object.</summary>
    public required string Labels { get; init; }

    /// <summary>The Event's annotations as a JSON object.</summary>
    public required string Annotations { get; init; }

    public required string SourceApi { get; init; }

    /// <summary>
    /// When this occurrence happened: <c>series.lastObservedTime ?? lastTimestamp ?? eventTime ?? observedAt</c>.
    /// Queries sort and filter by it, and retention ages rows by it.
    /// </summary>
    public DateTimeOffset OccurredAt { get; init; }
    public DateTimeOffset ObservedAt { get; init; }
    public DateTimeOffset StoredAt { get; init; }
}
