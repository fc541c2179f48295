using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Eventer.Archive.Tests.Consumers;

[Trait("Category", "Integration")]
public sealed class KubeEventObservedConsumerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Duplicate_delivery_of_one_message_leaves_one_row()
    {
        await using var archive = await ArchiveTestHost.StartAsync();
        var bus = archive.App.Services.GetRequiredService<IBus>();
        var message = ArchiveSamples.Seed();

        await bus.Publish(message, c => c.MessageId = OccurrenceKey.MessageIdFor(message));
        await bus.Publish(message, c => c.MessageId = OccurrenceKey.MessageIdFor(message));

        await Eventually.HoldsAsync(() => Total(archive.Stored) + Total(archive.Duplicates) == 2, Deadline, "both deliveries consumed");
        Assert.Equal(1, Total(archive.Stored));
        Assert.Equal(1, Total(archive.Duplicates));
        Assert.Equal(1, await archive.CountRowsAsync());
    }

    [Fact]
    public async Task A_message_without_an_occurrence_key_goes_to_the_error_queue_with_its_reason()
    {
        await using var archive = await ArchiveTestHost.StartAsync();
        var bus = archive.App.Services.GetRequiredService<IBus>();
        var good = ArchiveSamples.Seed();

        await bus.Publish(good with { EventUid = "" });
        await bus.Publish(good, c => c.MessageId = OccurrenceKey.MessageIdFor(good));

        await Eventually.HoldsAsync(() => Total(archive.Stored) == 1, Deadline, "the good message stored");
        IReadOnlyList<QueuedMessage> faulted = [];
        await Eventually.HoldsAsync(async () => (faulted = await RabbitMqServer.DrainAsync(archive.RabbitMq, "archive_error")).Count > 0,
            Deadline, "the bad message in archive_error");
        var reason = Assert.Single(faulted).Headers["MT-Fault-Message"];
        Assert.Contains("no occurrence key", reason);
        Assert.Equal(1, await archive.CountRowsAsync());
    }

    private static long Total(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().EvaluateAsCounter();
}
