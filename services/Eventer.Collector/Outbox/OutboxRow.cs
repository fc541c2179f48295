namespace Eventer.Collector.Outbox;

/// <summary>
/// One occurrence waiting to be published (or published, until the retention purge). The row id
/// gives the publishing order; the occurrence key makes a second insert of the same occurrence —
/// from a relist, a restart or a second replica — a no-op.
/// </summary>
public sealed class OutboxRow
{
    public long Id { get; init; }
    public required string OccurrenceKey { get; init; }
    public Guid MessageId { get; init; }

    /// <summary>The <c>KubeEventObserved</c> as JSON.</summary>
    public required string Payload { get; init; }

    /// <summary>W3C traceparent of the observation span, so the publish continues its trace.</summary>
    public string? TraceParent { get; init; }
    public string? TraceState { get; init; }
    public DateTimeOffset ObservedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
}
