using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Eventer.Collector.Outbox;
using Eventer.Collector.Publishing;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Eventer.Collector.Tests.Outbox;

/// <summary>
/// The writer's second line of defence: a row PostgreSQL refuses for its content is set aside with
/// its reason, and its batch-mates are stored. The mapper already cleans NUL, so these tests hand
/// the writer occurrences that skipped it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeadLetterTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeLogger<OutboxWriter> _log = new();
    private OutboxWriter? _writer;

    [Fact]
    public async Task A_row_refused_for_its_content_is_set_aside_and_its_batch_mates_are_stored()
    {
        var database = await MigratedDatabaseAsync();
        var setAside = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), CollectorMetrics.Name, "eventer.collector.occurrences.set_aside");
        var writer = Writer(database);
        var occurrences = Enumerable.Range(0, 5).Select(i => Occurrence($"uid-{i}", i == 2 ? "disk\0full" : $"message {i}")).ToList();
        foreach (var occurrence in occurrences)
        {
            await writer.AcceptAsync(occurrence, CancellationToken.None); // buffered before the start: one batch
        }

        await writer.StartAsync(CancellationToken.None);

        await Eventually.HoldsAsync(async () => await CountAsync(database, "collector.outbox") == 4 && await CountAsync(database, "collector.dead_letters") == 1,
            TimeSpan.FromSeconds(20), "4 rows in the outbox and 1 set aside");
        Assert.Equal(["uid-0", "uid-1", "uid-3", "uid-4"], await OutboxUidsAsync(database)); // in order

        var dead = await DeadLettersAsync(database);
        var row = Assert.Single(dead);
        Assert.Equal(OccurrenceKey.For(occurrences[2]), row.Key);
        Assert.Equal(OccurrenceKey.MessageIdFor(occurrences[2]), row.MessageId);
        Assert.Equal("22P05", row.SqlState);
        Assert.Equal("unsupported Unicode escape sequence", row.Reason);
        Assert.Equal("disk\0full", OccurrenceJson.Deserialize(Encoding.UTF8.GetString(row.Payload)).Message); // the NUL kept, as bytes
        Assert.Equal(occurrences[2].ObservedAt, row.ObservedAt);
        Assert.Contains("disk\\u0000full", await ReadableAsync(database)); // the README's query reads it as text

        Assert.Equal(1, setAside.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal("22P05", setAside.LastMeasurement!.Tags["sql_state"]);
        var warning = Assert.Single(_log.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("uid-2", warning.Message);
        Assert.Contains("shop", warning.Message);
        Assert.Contains("22P05", warning.Message);
        Assert.DoesNotContain("disk", warning.Message); // never the payload
    }

    [Fact]
    public async Task Every_refused_row_of_a_batch_is_set_aside_once_even_when_observed_again()
    {
        var database = await MigratedDatabaseAsync();
        var writer = Writer(database);
        await writer.StartAsync(CancellationToken.None);
        var bad = new[] { Occurrence("bad-a", "\0"), Occurrence("bad-b", "x\0") };

        foreach (var occurrence in new[] { bad[0], Occurrence("good-1", "ok"), bad[1], Occurrence("good-2", "ok") })
        {
            await writer.AcceptAsync(occurrence, CancellationToken.None);
        }

        await Eventually.HoldsAsync(async () => await CountAsync(database, "collector.dead_letters") == 2 && await CountAsync(database, "collector.outbox") == 2,
            TimeSpan.FromSeconds(20), "both bad rows set aside, both good ones stored");

        // A relist observes the bad ones again: no second dead letter, no second warning.
        foreach (var occurrence in bad.Append(Occurrence("good-3", "ok")))
        {
            await writer.AcceptAsync(occurrence, CancellationToken.None);
        }

        await Eventually.HoldsAsync(async () => await CountAsync(database, "collector.outbox") == 3, TimeSpan.FromSeconds(20), "the event after the repeats stored");
        Assert.Equal(["bad-a", "bad-b"], (await DeadLettersAsync(database)).Select(d => d.Key.Split('/')[1]));
        Assert.Equal(2, _log.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Warning && r.Message.Contains("Set aside")));
    }

    [Theory]
    [InlineData("22P05", true)] // unsupported Unicode escape sequence (\u0000 in jsonb)
    [InlineData("22021", true)] // invalid byte sequence for encoding (NUL in text)
    [InlineData("22P02", true)] // invalid input syntax
    [InlineData("54000", true)] // program limit exceeded (e.g. an index row too large)
    [InlineData("23502", true)] // not-null violation
    [InlineData("08006", false)] // connection failure: an outage, retried
    [InlineData("57P01", false)] // admin shutdown: retried
    [InlineData("53300", false)] // too many connections: retried
    [InlineData("40001", false)] // serialization failure: retried
    [InlineData("42P01", false)] // undefined table (not migrated yet): retried
    public void Only_content_errors_are_set_aside(string sqlState, bool content)
    {
        var refusal = RefusedContent.Of(new PostgresException("refused", "ERROR", "ERROR", sqlState));

        Assert.Equal(content, refusal is not null);
        Assert.Equal(content ? sqlState : null, refusal?.SqlState);
    }

    [Fact]
    public void Outages_are_never_taken_for_content()
    {
        Assert.Null(RefusedContent.Of(new NpgsqlException("Exception while connecting", new System.Net.Sockets.SocketException(111))));
        Assert.Null(RefusedContent.Of(new TimeoutException()));
        Assert.NotNull(RefusedContent.Of(new EncoderFallbackException()));
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.StopAsync(CancellationToken.None);
            _writer.Dispose();
        }

        await _services.DisposeAsync();
    }

    private OutboxWriter Writer(string database)
    {
        var dataSource = NpgsqlDataSource.Create(database);
        _writer = new OutboxWriter(new OutboxStore(dataSource), new DeadLetterStore(dataSource), new OutboxSignal(), new CollectorStatus(),
            new CollectorMetrics(_services.GetRequiredService<IMeterFactory>()),
            Options.Create(new OutboxOptions { MaxBackoff = TimeSpan.FromMilliseconds(200) }), _log);
        return _writer;
    }

    private static KubeEventObserved Occurrence(string uid, string message) => new()
    {
        Cluster = "c",
        EventUid = uid,
        EventNamespace = "shop",
        Reason = "BackOff",
        Message = message,
        ObservedAt = new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero),
    };

    private static async Task<string> MigratedDatabaseAsync()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("deadletters");
        await using var db = new CollectorDbContext(new DbContextOptionsBuilder<CollectorDbContext>().UseNpgsql(database, CollectorDatabase.ConfigureNpgsql).Options);
        await db.Database.MigrateAsync();
        return database;
    }

    private static async Task<long> CountAsync(string database, string table)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return (long)(await new NpgsqlCommand($"SELECT count(*) FROM {table}", connection).ExecuteScalarAsync())!;
    }

    private static async Task<string> ReadableAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return (string)(await new NpgsqlCommand("SELECT convert_from(payload, 'UTF8') AS payload FROM collector.dead_letters", connection).ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> OutboxUidsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var reader = await new NpgsqlCommand("SELECT payload->>'eventUid' FROM collector.outbox ORDER BY id", connection).ExecuteReaderAsync();
        var uids = new List<string>();
        while (await reader.ReadAsync())
        {
            uids.Add(reader.GetString(0));
        }

        return uids;
    }

    private static async Task<List<DeadLetterRow>> DeadLettersAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var reader = await new NpgsqlCommand(
            "SELECT occurrence_key, message_id, sql_state, reason, payload, observed_at FROM collector.dead_letters ORDER BY id", connection).ExecuteReaderAsync();
        var rows = new List<DeadLetterRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new DeadLetterRow(reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return rows;
    }

    private sealed record DeadLetterRow(string Key, Guid MessageId, string SqlState, string Reason, byte[] Payload, DateTimeOffset ObservedAt);
}
