using System.Text.Json;
using Eventer.Contracts;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Eventer.Archive.Persistence;

/// <summary>
/// Writes occurrences idempotently and in one round trip per batch: the rows travel as one JSON
/// array that PostgreSQL expands (<c>jsonb_to_recordset</c>), and <c>ON CONFLICT DO NOTHING</c> on
/// the occurrence key makes a redelivery or a replay add nothing.
/// </summary>
public sealed class OccurrenceStore(ArchiveDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions RowJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    // Column and SQL type of every field of StoredOccurrence, in one place; the JSON rows carry the
    // same snake_case names. JSON-valued fields travel as text and become jsonb in the INSERT.
    private static readonly (string Column, string Type)[] Columns =
    [
        ("occurrence_key", "text"), ("message_id", "uuid"), ("cluster", "text"), ("event_uid", "text"),
        ("event_namespace", "text"), ("event_name", "text"), ("event_resource_version", "text"), ("occurrence", "int"),
        ("type", "text"), ("reason", "text"), ("message", "text"), ("action", "text"),
        ("involved_kind", "text"), ("involved_namespace", "text"), ("involved_name", "text"), ("involved_uid", "text"),
        ("involved_api_version", "text"), ("involved_field_path", "text"), ("involved_resource_version", "text"), ("related", "jsonb"),
        ("source_component", "text"), ("source_host", "text"), ("reporting_controller", "text"), ("reporting_instance", "text"),
        ("first_timestamp", "timestamptz"), ("last_timestamp", "timestamptz"), ("event_time", "timestamptz"), ("count", "int"),
        ("series_count", "int"), ("series_last_observed_time", "timestamptz"), ("labels", "jsonb"), ("annotations", "jsonb"),
        ("source_api", "text"), ("observed_at", "timestamptz"), ("stored_at", "timestamptz"), ("occurred_at", "timestamptz"),
    ];

    private static readonly string InsertSql = $"""
        INSERT INTO {ArchiveDbContext.Schema}.occurrences ({string.Join(", ", Columns.Select(c => c.Column))})
        SELECT {string.Join(", ", Columns.Select(c => c.Type == "jsonb" ? $"{c.Column}::jsonb" : c.Column))}
        FROM jsonb_to_recordset(@rows) AS r({string.Join(", ", Columns.Select(c => $"{c.Column} {(c.Type == "jsonb" ? "text" : c.Type)}"))})
        ON CONFLICT (occurrence_key) DO NOTHING
        RETURNING occurrence_key
        """;

    /// <summary>Stores a batch in one statement; returns the keys that were new (the others were stored before).</summary>
    public async Task<IReadOnlySet<string>> StoreBatchAsync(IReadOnlyList<KubeEventObserved> messages, CancellationToken cancellationToken)
    {
        var inserted = new HashSet<string>();
        if (messages.Count == 0)
        {
            return inserted;
        }

        var now = clock.GetUtcNow();
        var rows = JsonSerializer.Serialize(messages.Select(m => ToRow(m, now)), RowJson);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(InsertSql, connection);
            command.Parameters.Add(new NpgsqlParameter("rows", NpgsqlTypes.NpgsqlDbType.Jsonb) { Value = rows });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add(reader.GetString(0));
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return inserted;
    }

    /// <summary>Stores <paramref name="message"/>; false when its occurrence was already stored.</summary>
    public async Task<bool> StoreAsync(KubeEventObserved message, CancellationToken cancellationToken) =>
        (await StoreBatchAsync([message], cancellationToken)).Count == 1;

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
