using Npgsql;
using NpgsqlTypes;

namespace Eventer.Collector.Outbox;

/// <summary>An occurrence on its way into the outbox.</summary>
public sealed record PendingOccurrence(string OccurrenceKey, Guid MessageId, string Payload, string? TraceParent, string? TraceState, DateTimeOffset ObservedAt);

/// <summary>An unsent outbox row, as the relay publishes it: the payload is the JSON's UTF-8 bytes, as they go on the wire.</summary>
public sealed record UnsentOccurrence(long Id, Guid MessageId, byte[] Payload, string? TraceParent, string? TraceState);

/// <summary>The outbox table's hot path in plain SQL: one round trip per batch, whatever its size.</summary>
public sealed class OutboxStore(NpgsqlDataSource database)
{
    private const string Table = CollectorDbContext.Schema + ".outbox";

    /// <summary>
    /// Inserts a batch in its order (so row ids follow observation order); occurrences already
    /// present are skipped. Returns how many were new.
    /// </summary>
    public async Task<int> InsertAsync(IReadOnlyList<PendingOccurrence> batch, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            INSERT INTO {Table} (occurrence_key, message_id, payload, trace_parent, trace_state, observed_at)
            SELECT occurrence_key, message_id, payload, trace_parent, trace_state, observed_at
            FROM unnest(@keys, @ids, @payloads, @parents, @states, @observed) WITH ORDINALITY
                AS b(occurrence_key, message_id, payload, trace_parent, trace_state, observed_at, n)
            ORDER BY n
            ON CONFLICT (occurrence_key) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", batch.Select(b => b.OccurrenceKey).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", batch.Select(b => b.MessageId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("payloads", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = batch.Select(b => b.Payload).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("parents", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => (object?)b.TraceParent ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("states", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => (object?)b.TraceState ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("observed", batch.Select(b => b.ObservedAt).ToArray()));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The oldest unsent rows after row <paramref name="afterId"/>, in the order they were written.
    /// Payloads come as the UTF-8 bytes that go on the wire, not as strings (twice their size): a
    /// round's rows live until the broker confirms them.
    /// </summary>
    public async Task<IReadOnlyList<UnsentOccurrence>> ReadUnsentAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            SELECT id, message_id, convert_to(payload::text, 'UTF8'), trace_parent, trace_state FROM {Table}
            WHERE sent_at IS NULL AND id > @after ORDER BY id LIMIT @limit
            """);
        command.Parameters.Add(new NpgsqlParameter<long>("after", afterId));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<UnsentOccurrence>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new UnsentOccurrence(reader.GetInt64(0), reader.GetGuid(1), reader.GetFieldValue<byte[]>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return rows;
    }

    public async Task MarkSentAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"UPDATE {Table} SET sent_at = now() WHERE id = ANY(@ids)");
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids.ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes at most <paramref name="limit"/> rows sent before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> PurgeSentAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            DELETE FROM {Table} WHERE id IN (
                SELECT id FROM {Table} WHERE sent_at IS NOT NULL AND sent_at < @before ORDER BY sent_at LIMIT @limit)
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("before", before));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How many rows wait, and when the oldest of them was observed.</summary>
    public async Task<(long Depth, DateTimeOffset? OldestObservedAt)> MeasureAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT count(*), min(observed_at) FROM {Table} WHERE sent_at IS NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }
}
