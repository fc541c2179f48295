using Eventer.Collector.Leadership;

namespace Eventer.Collector.Tests.Leadership;

/// <summary>The in-memory lock answers as <see cref="LeaseLock"/> does against a real API server.</summary>
[Trait("Category", "Unit")]
public sealed class InMemoryLockTests
{
    private readonly string _lease = Candidates.NewLeaseName();

    [Fact]
    public async Task A_missing_record_reads_as_null()
    {
        Assert.Null(await new InMemoryLock(_lease, "a").GetAsync());
        Assert.Null(InMemoryLock.Peek(_lease));
    }

    [Fact]
    public async Task Only_the_first_create_succeeds()
    {
        Assert.True(await new InMemoryLock(_lease, "a").CreateAsync(Record("a")));
        Assert.False(await new InMemoryLock(_lease, "b").CreateAsync(Record("b")));
        Assert.Equal("a", InMemoryLock.Peek(_lease)!.HolderIdentity);
    }

    [Fact]
    public async Task An_update_fails_when_the_record_changed_since_it_was_read()
    {
        var a = new InMemoryLock(_lease, "a");
        var b = new InMemoryLock(_lease, "b");
        await a.CreateAsync(Record("a"));
        await b.GetAsync();

        Assert.True(await a.UpdateAsync(Record("a")));
        Assert.False(await b.UpdateAsync(Record("b")));

        await b.GetAsync();
        Assert.True(await b.UpdateAsync(Record("b")));
        Assert.False(await a.UpdateAsync(Record("a")));
        Assert.Equal("b", InMemoryLock.Peek(_lease)!.HolderIdentity);
    }

    [Fact]
    public async Task An_update_before_any_read_is_refused()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => new InMemoryLock(_lease, "a").UpdateAsync(Record("a")));
        Assert.Null(InMemoryLock.Peek(_lease));
    }

    private static LeaderRecord Record(string holder) => new(holder, 15, DateTime.UtcNow, DateTime.UtcNow, 0);
}
