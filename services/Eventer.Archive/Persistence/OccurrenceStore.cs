using System.Text.Json;
using Eventer.Contracts;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Eventer.Archive.Persistence;

/// <summary>Writes occurrences idempotently: the occurrence key is the primary key, so a redelivery adds nothing.</summary>
public sealed class OccurrenceStore(ArchiveDbContext db, TimeProvider clock)
{
    /// <summary>Stores <paramref name="message"/>; false when its occurrence was already stored.</summary>
    public async Task<bool> StoreAsync(KubeEventObserved message, CancellationToken cancellationToken)
    {
        db.Occurrences.Add(ToRow(message, clock.GetUtcNow()));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return false;
        }
        finally
        {
            // Each write stands alone: nothing stays tracked to collide with the next one.
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>When the occurrence happened, by the most precise time the event carries.</summary>
    public static DateTimeOffset OccurredAt(KubeEventObserved m) =>
        m.Series?.LastObservedTime ?? m.LastTimestamp ?? m.EventTime ?? m.ObservedAt;

    private static StoredOccurrence ToRow(KubeEventObserved m, DateTimeOffset storedAt)
    {
        var key = OccurrenceKey.For(m);
        return new StoredOccurrence
        {
            OccurrenceKey = key,
            MessageId = OccurrenceKey.MessageIdFor(key),
            Cluster = m.Cluster,
            EventUid = m.EventUid,
            EventNamespace = m.EventNamespace,
            EventName = m.EventName,
            EventResourceVersion = m.EventResourceVersion,
            Occurrence = m.Occurrence,
            Type = m.Type,
            Reason = m.Reason,
            Message = m.Message,
            Action = m.Action,
            InvolvedKind = m.InvolvedObject.Kind,
            InvolvedNamespace = m.InvolvedObject.Namespace,
            InvolvedName = m.InvolvedObject.Name,
            InvolvedUid = m.InvolvedObject.Uid,
            InvolvedApiVersion = m.InvolvedObject.ApiVersion,
            InvolvedFieldPath = m.InvolvedObject.FieldPath,
            InvolvedResourceVersion = m.InvolvedObject.ResourceVersion,
            Related = m.Related is null ? null : JsonSerializer.Serialize(m.Related),
            SourceComponent = m.SourceComponent,
            SourceHost = m.SourceHost,
            ReportingController = m.ReportingController,
            ReportingInstance = m.ReportingInstance,
            FirstTimestamp = m.FirstTimestamp,
            LastTimestamp = m.LastTimestamp,
            EventTime = m.EventTime,
            Count = m.Count,
            SeriesCount = m.Series?.Count,
            SeriesLastObservedTime = m.Series?.LastObservedTime,
            Labels = JsonSerializer.Serialize(m.Labels),
            Annotations = JsonSerializer.Serialize(m.Annotations),
            SourceApi = m.SourceApi,
            OccurredAt = OccurredAt(m),
            ObservedAt = m.ObservedAt,
            StoredAt = storedAt,
        };
    }
}
