using System.Net;
using k8s.Autorest;
using k8s.LeaderElection;

namespace Eventer.Collector.Tests.Leadership;

/// <summary>The in-memory lock answers as LeaseLock does against a real API server.</summary>
[Trait("Category", "Unit")]
public sealed class InMemoryLockTests
{
    private readonly string _lease = Candidates.NewLeaseName();

    [Fact]
    public async Task A_missing_record_is_a_404()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => new InMemoryLock(_lease, "a").GetAsync());
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
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
    public async Task An_update_before_any_read_is_refused_and_records_are_copies()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => new InMemoryLock(_lease, "a").UpdateAsync(Record("a")));

        var record = Record("a");
        await new InMemoryLock(_lease, "a").CreateAsync(record);
        record.HolderIdentity = "changed behind the lock's back";
        var read = await new InMemoryLock(_lease, "b").GetAsync();
        read.HolderIdentity = "changed too";

        Assert.Equal("a", InMemoryLock.Peek(_lease)!.HolderIdentity);
        Assert.Null(InMemoryLock.Peek(Candidates.NewLeaseName()));
    }

    private static LeaderElectionRecord Record(string holder) => new()
    {
        HolderIdentity = holder,
        LeaseDurationSeconds = 15,
        AcquireTime = DateTime.UtcNow,
        RenewTime = DateTime.UtcNow,
    };
}
