using System.Net;
using static Eventer.Archive.Tests.Api.ApiSamples;

namespace Eventer.Archive.Tests.Api;

[Trait("Category", "Integration")]
public sealed class EventHistoryTests
{
    [Fact]
    public async Task An_event_comes_with_its_latest_state_and_its_occurrences_oldest_first()
    {
        await using var archive = await ApiTestHost.StartAsync();
        var uid = Guid.NewGuid().ToString();
        await archive.StoreAsync(
            At(T0.AddMinutes(5), uid, occurrence: 3) with { Message = "third" },
            At(T0, uid, occurrence: 1) with { Message = "first" },
            At(T0.AddMinutes(2), uid, occurrence: 2) with { Message = "second" },
            At(T0.AddMinutes(1)));

        var history = await archive.GetJsonAsync($"/api/events/{uid}");
        var inCluster = await archive.GetJsonAsync($"/api/events/{uid}?cluster=prod-hz");

        Assert.Equal("third", history.GetProperty("event").GetProperty("message").GetString());
        Assert.Equal(3, history.GetProperty("event").GetProperty("occurrence").GetInt32());
        Assert.Equal(["first", "second", "third"], history.GetProperty("occurrences").EnumerateArray().Select(o => o.GetProperty("message").GetString()));
        Assert.False(history.GetProperty("truncated").GetBoolean());
        Assert.Equal(3, inCluster.GetProperty("occurrences").GetArrayLength());
    }

    [Fact]
    public async Task An_unknown_event_is_a_404_problem()
    {
        await using var archive = await ApiTestHost.StartAsync();
        var uid = Guid.NewGuid().ToString();
        await archive.StoreAsync(At(T0, uid));

        using var unknown = await archive.Http.GetAsync($"/api/events/{Guid.NewGuid()}");
        using var otherCluster = await archive.Http.GetAsync($"/api/events/{uid}?cluster=staging");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, otherCluster.StatusCode);
    }

    [Fact]
    public async Task Stats_default_to_the_last_24_hours()
    {
        await using var archive = await ApiTestHost.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await archive.StoreAsync(At(now.AddHours(-1)), At(now.AddHours(-23)), At(now.AddHours(-25)), At(now.AddDays(-30)));

        var stats = await archive.GetJsonAsync("/api/stats");

        Assert.Equal(2, stats.GetProperty("total").GetInt64());
        var byType = Assert.Single(stats.GetProperty("byType").EnumerateArray().ToList());
        Assert.Equal(("Warning", 2L), (byType.GetProperty("key").GetString(), byType.GetProperty("count").GetInt64()));
        var window = DateTime.Parse(stats.GetProperty("until").GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind)
            - DateTime.Parse(stats.GetProperty("since").GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.Equal(TimeSpan.FromHours(24), window);
    }
}
