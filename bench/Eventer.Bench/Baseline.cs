using System.Diagnostics;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Eventer.Bench;

/// <summary>
/// The broker's own limit on this machine, in the same run: RabbitMQ.Client publishing persistent,
/// mandatory messages of the given size with confirms (as many in flight as the collector's relay
/// allows), then consuming and acknowledging them.
/// </summary>
public static class Baseline
{
    public const int Window = 500;

    /// <summary>Messages a second published and confirmed, and then consumed and acknowledged.</summary>
    public static async Task<(double PublishPerSecond, double ConsumePerSecond)> MeasureAsync(int messages, int messageBytes)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("baseline");
        await using var probe = await ProbeQueue.BindAsync(rabbitMq, "baseline");
        var publish = await PublishAsync(rabbitMq, messages, messageBytes);
        return (publish, await ConsumeAsync(rabbitMq, "baseline", messages));
    }

    /// <summary>
    /// Messages a second through the pipeline's shape with nothing but the broker doing work:
    /// published and confirmed once into the contract's exchange, bound to one durable queue per
    /// sink, each queue consumed and acknowledged while the publishes go on; until every queue has
    /// delivered every message. No end-to-end rate of eventer's can pass it on this machine.
    /// </summary>
    public static async Task<double> MeasureFanOutAsync(int messages, int messageBytes, int queues)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("baseline-fanout");
        var probes = new List<ProbeQueue>();
        try
        {
            for (var i = 1; i <= queues; i++)
            {
                probes.Add(await ProbeQueue.BindAsync(rabbitMq, $"sink-{i}"));
            }

            var clock = Stopwatch.StartNew();
            var consumed = Enumerable.Range(1, queues).Select(i => ConsumeAsync(rabbitMq, $"sink-{i}", messages)).ToList();
            await PublishAsync(rabbitMq, messages, messageBytes);
            await Task.WhenAll(consumed);
            return messages / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var probe in probes)
            {
                await probe.DisposeAsync();
            }
        }
    }

    public static async Task<double> PublishAsync(string rabbitMq, int messages, int messageBytes)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
        var body = new byte[messageBytes];
        Array.Fill(body, (byte)'x');
        using var window = new SemaphoreSlim(Window);
        var publishes = new List<Task>(messages);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < messages; i++)
        {
            await window.WaitAsync();
            var properties = new BasicProperties { Persistent = true, MessageId = Guid.NewGuid().ToString(), ContentType = "application/vnd.masstransit+json" };
            publishes.Add(PublishOneAsync(channel, properties, body, window));
        }

        await Task.WhenAll(publishes);
        return messages / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> ConsumeAsync(string rabbitMq, string queue, int messages)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 100, false);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref received) == messages)
            {
                done.TrySetResult();
            }
        };
        var clock = Stopwatch.StartNew();
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        return messages / clock.Elapsed.TotalSeconds;
    }

    private static async Task PublishOneAsync(IChannel channel, BasicProperties properties, byte[] body, SemaphoreSlim window)
    {
        try
        {
            await channel.BasicPublishAsync(ProbeQueue.Exchange, "", mandatory: true, properties, body);
        }
        finally
        {
            window.Release();
        }
    }
}
