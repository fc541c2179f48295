using System.Text.Json;
using Eventer.Contracts;
using Eventer.Notifications.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Eventer.Notifications.Persistence;

/// <summary>The SQL of <c>&lt;schema&gt;.alerts</c>: add pending alerts once, read a target's pending ones, mark them sent, forget old ones.</summary>
public sealed partial class AlertStore(NpgsqlDataSource database, DeliverySink sink)
{
    // The schema comes from code (the sink), never from configuration.
    private readonly string _alerts = sink.Schema + ".alerts";

    /// <summary>Adds the alerts not already there (by message id and target) and returns how many were new.</summary>
    public async Task<int> AddAsync(IReadOnlyList<NewAlert> alerts, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0)
        {
            return 0;
        }

        await using var command = database.CreateCommand($"""
            INSERT INTO {_alerts} (message_id, target, route, fold_key, last_seen, received_at, mentions, event, trace_parent)
            SELECT m, r, ro, f, l, $6, me::jsonb, e::jsonb, t
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $7::text[], $8::text[], $9::text[])
                 AS a(m, r, ro, f, l, me, e, t)
            ORDER BY l
            ON CONFLICT (message_id, target) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.MessageId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Target.Target).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Target.Route).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.FoldKey).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.LastSeen).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = receivedAt });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => JsonSerializer.Serialize(a.Target.Mentions)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => Json(a.Event)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.TraceParent).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The oldest <paramref name="limit"/> alerts waiting for <paramref name="target"/>, oldest first,
    /// each with its event's <em>summary view</em>: what planning and a summary use (cluster,
    /// namespaces, names, type, reason, kind and the message's first
    /// <see cref="SummaryMessageLength"/> characters), not the whole event. A round reads thousands of
    /// these in a backlog, every few seconds; with whole events it allocated three times as much
    /// (bench round: 35.5 against 11.9 MB per 5,000). The one event a single or folded alert shows
    /// comes from <see cref="EventAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<PendingAlert>> PendingAsync(string target, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            SELECT id, message_id, target, route, fold_key, last_seen, received_at, mentions::text, trace_parent,
                   event->>'{nameof(KubeEventObserved.Cluster)}', event->>'{nameof(KubeEventObserved.EventUid)}',
                   event->>'{nameof(KubeEventObserved.EventNamespace)}', event->>'{nameof(KubeEventObserved.EventName)}',
                   event->>'{nameof(KubeEventObserved.Type)}', event->>'{nameof(KubeEventObserved.Reason)}',
                   left(event->>'{nameof(KubeEventObserved.Message)}', {SummaryMessageLength}),
                   event->'{nameof(KubeEventObserved.InvolvedObject)}'->>'{nameof(KubeObjectReference.Kind)}',
                   event->'{nameof(KubeEventObserved.InvolvedObject)}'->>'{nameof(KubeObjectReference.Namespace)}',
                   event->'{nameof(KubeEventObserved.InvolvedObject)}'->>'{nameof(KubeObjectReference.Name)}'
            FROM {_alerts} WHERE target = $1 AND sent_at IS NULL ORDER BY id LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = target });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var pending = new List<PendingAlert>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var summaryView = new KubeEventObserved
            {
                Cluster = Text(reader, 9),
                EventUid = Text(reader, 10),
                EventNamespace = Text(reader, 11),
                EventName = Text(reader, 12),
                Type = Text(reader, 13),
                Reason = Text(reader, 14),
                Message = Text(reader, 15),
                InvolvedObject = new KubeObjectReference { Kind = Text(reader, 16), Namespace = Text(reader, 17), Name = Text(reader, 18) },
            };
            pending.Add(new PendingAlert(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                JsonSerializer.Deserialize<Mentions>(reader.GetString(7)) ?? Mentions.None,
                summaryView,
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return pending;
    }

    /// <summary>Characters of a message in the summary view: one more than a summary shows, so that it still sees which ones go on.</summary>
    public const int SummaryMessageLength = Rendering.AlertContent.MaxSummaryMessage + 1;

    /// <summary>The whole event of one alert, or null when no such row is left.</summary>
    public async Task<KubeEventObserved?> EventAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT event::text FROM {_alerts} WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize<KubeEventObserved>(json) : null;
    }

    private static string Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? "" : reader.GetString(ordinal);

    /// <summary>Records that a message representing these alerts was accepted by the platform.</summary>
    public async Task MarkSentAsync(IEnumerable<long> ids, string disposition, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"UPDATE {_alerts} SET sent_at = $1, disposition = $2 WHERE id = ANY($3)");
        command.Parameters.Add(new NpgsqlParameter { Value = sentAt });
        command.Parameters.Add(new NpgsqlParameter { Value = disposition });
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Forgets sent alerts older than <paramref name="cutoff"/>, a bounded batch at a time; returns how many.</summary>
    public async Task<int> ForgetSentBeforeAsync(DateTimeOffset cutoff, int batch, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            DELETE FROM {_alerts} WHERE id IN (
                SELECT id FROM {_alerts} WHERE sent_at IS NOT NULL AND sent_at < $1 LIMIT $2)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cutoff });
        command.Parameters.Add(new NpgsqlParameter { Value = batch });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>When each target's messages since <paramref name="since"/> were accepted: one time per message, as every row it stood for got the same.</summary>
    public async Task<List<(string Target, DateTimeOffset SentAt)>> RecentSendsAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            SELECT DISTINCT target, sent_at FROM {_alerts}
            WHERE sent_at > $1 AND disposition <> 'failed' ORDER BY sent_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        var sends = new List<(string, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sends.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return sends;
    }

    /// <summary>How many alerts wait, by target.</summary>
    public async Task<Dictionary<string, long>> PendingCountsAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT target, count(*) FROM {_alerts} WHERE sent_at IS NULL GROUP BY target");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>
    /// The event as jsonb takes it: PostgreSQL's jsonb cannot hold U+0000, which a message may carry,
    /// and one such event must not fail a whole batch. The escape is dropped only where it is one
    /// (after an even run of backslashes), never from an escaped backslash followed by "u0000".
    /// </summary>
    public static string Json(KubeEventObserved occurrence) =>
        NulEscape().Replace(JsonSerializer.Serialize(occurrence), "$1");

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<!\\)((?:\\\\)*)\\u0000")]
    private static partial System.Text.RegularExpressions.Regex NulEscape();
}
