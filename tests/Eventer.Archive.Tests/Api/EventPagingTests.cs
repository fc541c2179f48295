using static Eventer.Archive.Tests.Api.ApiSamples;

namespace Eventer.Archive.Tests.Api;

[Trait("Category", "Integration")]
public sealed class EventPagingTests
{
    [Fact]
    public async Task Paging_neither_loses_nor_repeats_an_item_while_new_rows_arrive()
    {
        await using var archive = await ApiTestHost.StartAsync();
        // Pairs share an occurred_at, so the key has to break ties for paging to be exact.
        var original = Enumerable.Range(0, 25).Select(i => At(T0.AddSeconds(i / 2))).ToArray();
        await archive.StoreAsync(original);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (keys, next) = await archive.PageAsync("limit=10" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(keys);
            cursor = next;
            pages++;

            // Rows arriving between page requests are newer than the first page: a later walk finds them.
            await archive.StoreAsync(At(DateTimeOffset.UtcNow), At(T0.AddSeconds(100 + pages)));
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(original.Select(m => $"{m.Cluster}/{m.EventUid}/{m.Occurrence}").Order(), seen.Order());
    }

    [Fact]
    public async Task The_last_page_has_no_next_cursor_and_limit_is_honoured()
    {
        await using var archive = await ApiTestHost.StartAsync();
        await archive.StoreAsync(Enumerable.Range(0, 4).Select(i => At(T0.AddMinutes(i))).ToArray());

        var (first, next) = await archive.PageAsync("limit=2");
        var (second, last) = await archive.PageAsync("limit=2&cursor=" + next);

        Assert.Equal(2, first.Count);
        Assert.Equal(2, second.Count);
        Assert.NotNull(next);
        Assert.Null(last); // the one-row look-ahead means no empty page to fetch at the end
    }
}
