using System.Net;
using System.Text.Json;
using Eventer.Contracts;
using static Eventer.Archive.Tests.Api.ApiSamples;

namespace Eventer.Archive.Tests.Api;

/// <summary>One archive with a handful of distinct occurrences, shared by the read-only query tests.</summary>
public sealed class QueryArchiveFixture : IAsyncLifetime
{
    internal ApiTestHost Host { get; private set; } = null!;

    /// <summary>Letter → event uid, so expectations read as letters.</summary>
    internal Dictionary<string, string> Uids { get; } = [];

    public async Task InitializeAsync()
    {
        Host = await ApiTestHost.StartAsync();
        KubeEventObserved Make(string letter, int minutes, Func<KubeEventObserved, KubeEventObserved> shape)
        {
            Uids[letter] = Guid.NewGuid().ToString();
            return shape(At(T0.AddMinutes(minutes), Uids[letter]));
        }

        await Host.StoreAsync(
            Make("a", 1, m => m),
            Make("b", 2, m => m with
            {
                EventNamespace = "kube-system", Type = "Normal", Reason = "Pulled", Message = "Successfully pulled image 100%_done",
                InvolvedObject = m.InvolvedObject with { Kind = "Pod", Namespace = "kube-system", Name = "coredns-1" },
            }),
            Make("c", 3, m => m with
            {
                Cluster = "staging", Reason = "BackOff", Message = "Back-off restarting failed container",
                InvolvedObject = m.InvolvedObject with { Kind = "Pod", Name = "web-1" },
            }),
            Make("d", 4, m => m with
            {
                Type = "Normal", Reason = "Scheduled", Message = "Successfully assigned default/web-1 to node-a",
                InvolvedObject = m.InvolvedObject with { Kind = "Pod", Name = "web-1" },
            }),
            Make("e", 5, m => m with
            {
                EventNamespace = "other", Type = "Normal", Reason = "Progress", Message = "progress 100x_done",
                InvolvedObject = m.InvolvedObject with { Kind = "Job", Namespace = "other", Name = "batch" },
            }));
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[Trait("Category", "Integration")]
public sealed class EventQueryTests(QueryArchiveFixture archive) : IClassFixture<QueryArchiveFixture>
{
    [Theory]
    [InlineData("", "e d c b a")]
    [InlineData("cluster=staging", "c")]
    [InlineData("namespace=kube-system", "b")]
    [InlineData("kind=Service", "a")]
    [InlineData("name=web-1", "d c")]
    [InlineData("kind=Pod&name=web-1&cluster=prod-hz", "d")]
    [InlineData("type=Warning", "c a")]
    [InlineData("reason=BackOff", "c")]
    [InlineData("since=2026-11-27T08:02:00Z&until=2026-11-27T08:04:00Z", "c b")]
    [InlineData("since=2026-11-27T10:04:00%2B02:00", "e d")]
    [InlineData("until=2026-11-27T08:02:00.000001Z", "b a")]
    [InlineData("q=SUCCESSFULLY", "d b")]
    [InlineData("q=100%25_", "b")]
    [InlineData("namespace=nowhere", "")]
    public async Task Each_filter_selects_its_occurrences_newest_first(string query, string expected)
    {
        var (keys, next) = await archive.Host.PageAsync(query);

        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), keys.Select(Letter));
        Assert.Null(next);
    }

    [Fact]
    public async Task An_item_carries_every_field_with_objects_as_json_and_utc_times()
    {
        var page = await archive.Host.GetJsonAsync("/api/events?kind=Service");

        var item = Assert.Single(page.GetProperty("items").EnumerateArray().ToList());
        var uid = archive.Uids["a"];
        var key = $"prod-hz/{uid}/1";
        Assert.Equal(key, item.GetProperty("occurrenceKey").GetString());
        Assert.Equal(OccurrenceKey.MessageIdFor(key), item.GetProperty("messageId").GetGuid());
        Assert.Equal(uid, item.GetProperty("eventUid").GetString());
        Assert.Equal("my-sb-svc.15f344468d77364d", item.GetProperty("eventName").GetString());
        Assert.Equal("Service", item.GetProperty("involvedObject").GetProperty("kind").GetString());
        Assert.Equal("96117aad-4f24-11ea-a87c-00163e04f1e0", item.GetProperty("involvedObject").GetProperty("uid").GetString());
        Assert.Equal("node-a", item.GetProperty("related").GetProperty("name").GetString());
        Assert.Equal("platform", item.GetProperty("labels").GetProperty("team").GetString());
        Assert.Equal("ünïcode ✓", item.GetProperty("annotations").GetProperty("eventer.io/note").GetString());
        Assert.Equal("2026-11-27T08:01:00Z", item.GetProperty("occurredAt").GetString());
        Assert.Equal("2020-02-19T13:08:25Z", item.GetProperty("lastTimestamp").GetString());
        Assert.Equal("2026-11-27T09:00:00.5Z", item.GetProperty("observedAt").GetString());
        Assert.EndsWith("Z", item.GetProperty("storedAt").GetString());
        Assert.Equal(1, item.GetProperty("series").GetProperty("count").GetInt32());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("eventTime").ValueKind);
        Assert.Equal("core/v1", item.GetProperty("sourceApi").GetString());
    }

    [Theory]
    [InlineData("since=yesterday", "since")]
    [InlineData("until=2026-13-01T00:00:00Z", "until")]
    [InlineData("since=2026-11-27T09:00:00Z&until=2026-11-27T08:00:00Z", "until")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1000", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=", "cursor")]
    [InlineData("namespce=default", "namespce")]
    [InlineData("type=Warning&type=Normal", "type")]
    [InlineData("q=", "q")]
    public async Task A_bad_parameter_is_a_400_problem_naming_it(string query, string parameter)
    {
        await AssertBadRequestAsync("/api/events?" + query, parameter);
    }

    [Fact]
    public async Task A_tampered_cursor_is_a_400()
    {
        var (_, next) = await archive.Host.PageAsync("limit=2");
        Assert.NotNull(next);
        var tampered = next[..5] + (next[5] == 'A' ? 'B' : 'A') + next[6..];

        await AssertBadRequestAsync("/api/events?limit=2&cursor=" + tampered, "cursor");
        await AssertBadRequestAsync("/api/events?limit=2&cursor=" + next[..^2], "cursor");
    }

    [Fact]
    public async Task Stats_count_by_type_reason_and_namespace_over_a_window()
    {
        var stats = await archive.Host.GetJsonAsync("/api/stats?since=2026-11-27T08:00:00Z&until=2026-11-27T08:04:30Z");

        Assert.Equal(4, stats.GetProperty("total").GetInt64());
        Assert.Equal("2026-11-27T08:00:00Z", stats.GetProperty("since").GetString());
        Assert.Equal(["Normal=2", "Warning=2"], Buckets(stats, "byType"));
        Assert.Equal(["BackOff=1", "PortAlreadyAllocated=1", "Pulled=1", "Scheduled=1"], Buckets(stats, "byReason"));
        Assert.Equal(["default=3", "kube-system=1"], Buckets(stats, "byNamespace"));
    }

    [Theory]
    [InlineData("/api/stats?since=soon", "since")]
    [InlineData("/api/stats?since=2026-11-27T09:00:00Z&until=2026-11-27T08:00:00Z", "until")]
    [InlineData("/api/stats?namespace=default", "namespace")]
    [InlineData("/api/events/some-uid?cluster=", "cluster")]
    public async Task Bad_stats_and_event_parameters_are_400s(string path, string parameter)
    {
        await AssertBadRequestAsync(path, parameter);
    }

    private async Task AssertBadRequestAsync(string path, string parameter)
    {
        using var response = await archive.Host.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(parameter, out _), $"{path}: the problem names {parameter}: {body}");
    }

    private static List<string> Buckets(JsonElement stats, string name) =>
        stats.GetProperty(name).EnumerateArray().Select(b => $"{b.GetProperty("key").GetString()}={b.GetProperty("count").GetInt64()}").ToList();

    private string Letter(string key) => archive.Uids.Single(u => key.Contains(u.Value, StringComparison.Ordinal)).Key;
}
