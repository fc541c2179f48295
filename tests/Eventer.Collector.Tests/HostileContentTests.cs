using System.Diagnostics.Metrics;
using System.Text.Json;
using Eventer.Collector.Mapping;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;

namespace Eventer.Collector.Tests;

/// <summary>
/// Issue 9, "hostile content never stalls", through the whole collector (real KubernetesClient,
/// outbox in PostgreSQL, relay to RabbitMQ): every hostile Event, listed or watched, is followed by
/// a normal one, and every normal one reaches the probe queue; the readable hostile ones arrive
/// cleaned, the unreadable ones are counted as malformed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostileContentTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Hostile_events_in_a_list_and_in_a_watch_never_stall_the_collector()
    {
        await using var rig = await CollectorRig.CreateAsync();
        var listed = HostileEvents.All("listed").Select(c => (Case: c, Uid: c.AddTo(rig.Api), After: AddNormalAfter(rig.Api, c))).ToList();
        MetricCollector<long> malformed = null!, setAside = null!;

        // Two items a page: bad items sit between good ones and on pages of their own.
        await rig.StartCollectorAsync(new Dictionary<string, string?> { ["Collector:ListPageSize"] = "2" }, beforeStart: app =>
        {
            malformed = Counter(app, "eventer.collector.watch.malformed_lines");
            setAside = Counter(app, "eventer.collector.occurrences.set_aside");
        });
        foreach (var (_, _, after) in listed)
        {
            await rig.Probe.WaitForAsync(after);
        }

        var watched = new List<(HostileEvent Case, string Uid)>();
        foreach (var hostile in HostileEvents.All("watched"))
        {
            watched.Add((hostile, hostile.Readable ? hostile.AddTo(rig.Api) : hostile.SendAsWatchLine(rig.Api)));
            await rig.Probe.WaitForAsync(AddNormalAfter(rig.Api, hostile));
        }

        await rig.SettleAsync();
        foreach (var (@case, uid) in listed.Select(l => (l.Case, l.Uid)).Concat(watched))
        {
            AssertArrivedCleaned(rig.Probe, @case, uid);
        }

        Assert.Equal(listed.Count(l => !l.Case.Readable) + watched.Count(w => !w.Case.Readable), malformed.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Empty(rig.Probe.Doubled());

        // The mapper cleaned everything: nothing needed the second line of defence.
        Assert.Equal(0, setAside.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(0, await DeadLettersAsync(rig.Postgres));
    }

    /// <summary>A normal event that lists sort right after <paramref name="hostile"/>; returns its uid.</summary>
    internal static string AddNormalAfter(FakeKubeApiServer api, HostileEvent hostile)
    {
        var normal = KubeEvents.CoreV1((string)hostile.Event["metadata"]!["namespace"]!, $"after-{hostile.Case}", "BackOff", $"the event after {hostile.Case}");
        normal["metadata"]!["name"] = $"{hostile.Event["metadata"]!["name"]}-after";
        return KubeEvents.Uid(api.Add(normal));
    }

    private static void AssertArrivedCleaned(ProbeQueue probe, HostileEvent hostile, string uid)
    {
        var arrived = probe.Received.Where(r => r.EventUid == uid).ToList();
        if (!hostile.Readable)
        {
            Assert.True(arrived.Count == 0, $"{hostile.Case} was published although the client cannot read it");
            return;
        }

        var m = JsonDocument.Parse(Assert.Single(arrived).Body).RootElement.GetProperty("message").Deserialize<KubeEventObserved>(Web)!;
        switch (hostile.Case)
        {
            case HostileEvents.Nul:
                Assert.Equal("disk\uFFFDfull", m.Message);
                Assert.Equal("shop\uFFFD", m.Labels["team\uFFFD"]);
                break;
            case HostileEvents.MegabyteMessage:
                Assert.Equal(StorableText.Cap(new string('x', HostileEvents.MegabyteLength), StorableText.MaxMessageBytes), m.Message);
                break;
            case HostileEvents.TenThousandLabels:
                Assert.Equal(10_000, m.Labels.Count);
                break;
            case HostileEvents.FirstInstant:
                Assert.Equal(DateTimeOffset.MinValue, m.FirstTimestamp);
                break;
            case HostileEvents.LastInstant:
                Assert.Equal(new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero), m.LastTimestamp);
                break;
            default:
                Assert.Fail($"no expectation for readable case {hostile.Case}");
                break;
        }
    }

    private static MetricCollector<long> Counter(WebApplication app, string name) =>
        new(app.Services.GetRequiredService<IMeterFactory>(), CollectorMetrics.Name, name);

    private static async Task<long> DeadLettersAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return (long)(await new NpgsqlCommand("SELECT count(*) FROM collector.dead_letters", connection).ExecuteScalarAsync())!;
    }
}
