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
        await Eventually.HoldsAsync(() => Total(archive.Stored) == 1, Deadline, "the first delivery stored");
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

    [Fact]
    public async Task A_message_that_cannot_be_stored_goes_to_the_error_queue_alone_and_the_rest_of_its_batch_is_stored()
    {
        await using var archive = await ArchiveTestHost.StartAsync();
        using var batches = new MetricCollector<int>(archive.App.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            ArchiveMetrics.Name, "eventer.archive.batch.size");
        var bus = archive.App.Services.GetRequiredService<IBus>();
        var messages = Enumerable.Range(0, 40).Select(_ => ArchiveSamples.Seed()).ToList();
        messages[17] = messages[17] with { Message = "PostgreSQL text cannot hold a NUL: \u0000 here" };

        await Task.WhenAll(messages.Select(m => bus.Publish(m, c => c.MessageId = OccurrenceKey.MessageIdFor(m))));

        await Eventually.HoldsAsync(() => Total(archive.Stored) == 39, Deadline, "the 39 good messages stored");
        IReadOnlyList<QueuedMessage> faulted = [];
        await Eventually.HoldsAsync(async () => (faulted = await RabbitMqServer.DrainAsync(archive.RabbitMq, "archive_error")).Count > 0,
            Deadline, "the bad message in archive_error");
        var bad = Assert.Single(faulted);
        Assert.Equal(OccurrenceKey.MessageIdFor(messages[17]).ToString(), bad.MessageId);
        Assert.Contains("cannot be stored: 22", bad.Headers["MT-Fault-Message"]);
        Assert.Equal(39, await archive.CountRowsAsync());
        Assert.True(batches.GetMeasurementSnapshot().Max(m => m.Value) > 1, "messages are written in batches");
    }

    private static long Total(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().EvaluateAsCounter();
}
