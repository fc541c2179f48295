using Eventer.Contracts;
using Eventer.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Eventer.Archive.Tests;

[Trait("Category", "Integration")]
public sealed class ArchiveOperabilityTests
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task Health_lists_broker_and_database_and_metrics_are_prometheus_text()
    {
        await using var archive = await ArchiveTestHost.StartAsync();
        var message = ArchiveSamples.Seed();
        await archive.App.Services.GetRequiredService<IBus>().Publish(message, c => c.MessageId = OccurrenceKey.MessageIdFor(message));
        await Eventually.HoldsAsync(async () => await archive.CountRowsAsync() == 1, TimeSpan.FromSeconds(30), "the message archived");

        var live = await Http.GetAsync(new Uri(archive.App.Address(), "/health/live"));
        var ready = await Http.GetStringAsync(new Uri(archive.App.Address(), "/health/ready"));
        string metrics = "";
        await Eventually.HoldsAsync(async () =>
            (metrics = await Http.GetStringAsync(new Uri(archive.App.Address(), "/metrics"))).Contains("eventer_archive_occurrences_stored_total"),
            TimeSpan.FromSeconds(30), "the stored counter on /metrics");

        Assert.True(live.IsSuccessStatusCode);
        Assert.Contains("\"database\":{\"status\":\"Healthy\"", ready);
        Assert.Contains("masstransit-bus", ready);
        Assert.Contains("# TYPE eventer_archive_occurrences_stored_total counter", metrics);
        Assert.DoesNotContain(message.EventUid, metrics); // labels are bounded: never an object's identity
    }
}
