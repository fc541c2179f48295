using System.Text;
using Eventer.Collector.Mapping;
using Npgsql;

namespace Eventer.Collector.Outbox;

/// <summary>Why PostgreSQL refused an occurrence for its content: its SQLSTATE (null when it could not even be sent) and message.</summary>
public sealed record RefusedContent(string? SqlState, string Reason)
{
    /// <summary>
    /// The refusal <paramref name="ex"/> stands for, when it is about the row's content and would
    /// come back unchanged on every retry: a data exception (SQLSTATE class 22, e.g. 22P05 for
    /// <c>\u0000</c> in jsonb), an integrity constraint (23), a program limit (54), or text that has
    /// no UTF-8 form. Null for anything else, outages included: those are retried.
    /// </summary>
    public static RefusedContent? Of(Exception ex) => ex switch
    {
        PostgresException pg when pg.SqlState.StartsWith("22", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("23", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("54", StringComparison.Ordinal)
            => new RefusedContent(pg.SqlState, pg.MessageText), // never the detail: it may quote the content
        EncoderFallbackException => new RefusedContent(null, "the text has no UTF-8 form"),
        _ => null,
    };
}

/// <summary>
/// The outbox's second line of defence (the mapper is the first): an occurrence PostgreSQL refuses
/// for its content is set aside in <c>collector.dead_letters</c> with its reason, its payload kept
/// as the bytes of its UTF-8 JSON (bytea stores anything, even a NUL), so the rest flows on.
/// </summary>
public sealed class DeadLetterStore(NpgsqlDataSource database)
{
    private const string Table = CollectorDbContext.Schema + ".dead_letters";

    /// <summary>Sets <paramref name="occurrence"/> aside; false when it already was (a relist observed it again).</summary>
    public async Task<bool> SetAsideAsync(PendingOccurrence occurrence, RefusedContent refusal, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            INSERT INTO {Table} (occurrence_key, message_id, sql_state, reason, payload, observed_at)
            VALUES (@key, @id, @state, @reason, @payload, @observed)
            ON CONFLICT (occurrence_key) DO NOTHING
            """);

        // The key and reason are text: made storable here too, or the refusal would repeat.
        command.Parameters.Add(new NpgsqlParameter<string>("key", StorableText.Clean(occurrence.OccurrenceKey)));
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", occurrence.MessageId));
        command.Parameters.Add(new NpgsqlParameter("state", (object?)refusal.SqlState ?? DBNull.Value));
        command.Parameters.Add(new NpgsqlParameter<string>("reason", StorableText.Clean(refusal.Reason)));
        command.Parameters.Add(new NpgsqlParameter<byte[]>("payload", Encoding.UTF8.GetBytes(occurrence.Payload)));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("observed", occurrence.ObservedAt));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
