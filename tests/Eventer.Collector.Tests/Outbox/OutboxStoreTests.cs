using System.Text;
using Eventer.Collector.Outbox;
using Eventer.Testing.Fixtures;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Eventer.Collector.Tests.Outbox;

[Trait("Category", "Integration")]
public sealed class OutboxStoreTests
{
    [Fact]
    public async Task Inserts_skip_known_occurrences_and_keep_the_batch_order()
    {
        var (store, _) = await MigratedStoreAsync();

        Assert.Equal(3, await store.InsertAsync([Pending("c/a/1"), Pending("c/b/1"), Pending("c/a/2")], CancellationToken.None));
        Assert.Equal(1, await store.InsertAsync([Pending("c/a/1"), Pending("c/节点-ü/1"), Pending("c/节点-ü/1")], CancellationToken.None));

        // Payloads are read as the UTF-8 bytes that go on the wire.
        var unsent = await store.ReadUnsentAsync(0, 10, CancellationToken.None);
        Assert.Equal(["c/a/1", "c/b/1", "c/a/2", "c/节点-ü/1"], unsent.Select(u => Encoding.UTF8.GetString(u.Payload).Trim('"')));
        var after = await store.ReadUnsentAsync(unsent[1].Id, 1, CancellationToken.None);
        Assert.Equal(["c/a/2"], after.Select(u => Encoding.UTF8.GetString(u.Payload).Trim('"')));
        Assert.Equal(Encoding.UTF8.GetBytes("\"c/节点-ü/1\""), unsent[3].Payload);
        Assert.Equal((4, DateTimeOffset.UnixEpoch), await store.MeasureAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_purge_deletes_exactly_the_rows_sent_before_the_cutoff_in_bounded_batches()
    {
        var (store, database) = await MigratedStoreAsync();
        await store.InsertAsync(Enumerable.Range(0, 7).Select(i => Pending($"c/e{i}/1")).ToList(), CancellationToken.None);
        var rows = await store.ReadUnsentAsync(0, 10, CancellationToken.None);
        await store.MarkSentAsync(rows.Take(5).Select(r => r.Id).ToList(), CancellationToken.None);
        await ExecuteAsync(database, $"UPDATE collector.outbox SET sent_at = now() - interval '2 hours' WHERE id IN ({rows[0].Id}, {rows[1].Id}, {rows[2].Id})");

        var cutoff = DateTimeOffset.UtcNow.AddHours(-1);
        Assert.Equal(2, await store.PurgeSentAsync(cutoff, 2, CancellationToken.None));
        Assert.Equal(1, await store.PurgeSentAsync(cutoff, 2, CancellationToken.None));
        Assert.Equal(0, await store.PurgeSentAsync(cutoff, 2, CancellationToken.None));

        Assert.Equal(4, await CountAsync(database, "SELECT count(*) FROM collector.outbox"));
        Assert.Equal(2, (await store.ReadUnsentAsync(0, 10, CancellationToken.None)).Count);
    }

    private static PendingOccurrence Pending(string key) =>
        new(key, Contracts.OccurrenceKey.MessageIdFor(key), $"\"{key}\"", null, null, DateTimeOffset.UnixEpoch);

    private static async Task<(OutboxStore Store, string Database)> MigratedStoreAsync()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("outbox");
        await using (var db = new CollectorDbContext(new DbContextOptionsBuilder<CollectorDbContext>()
            .UseNpgsql(database, CollectorDatabase.ConfigureNpgsql).Options))
        {
            await db.Database.MigrateAsync();
        }

        return (new OutboxStore(NpgsqlDataSource.Create(database)), database);
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await new NpgsqlCommand(sql, connection).ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return (long)(await new NpgsqlCommand(sql, connection).ExecuteScalarAsync())!;
    }
}
