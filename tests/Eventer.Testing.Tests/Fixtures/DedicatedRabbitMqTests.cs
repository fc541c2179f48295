using System.Text;
using Eventer.Testing.Fixtures;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Eventer.Testing.Tests.Fixtures;

/// <summary>A dedicated broker really goes down and comes back with its data, while the shared one stays up.</summary>
[Trait("Category", "Fault")]
public sealed class DedicatedRabbitMqTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Keeps_its_virtual_hosts_and_persistent_messages_across_a_kill_and_a_stop()
    {
        await using var broker = await RabbitMqServer.StartDedicatedAsync();
        var vhost = await broker.CreateVirtualHostAsync("ft");
        var factory = new ConnectionFactory { Uri = new Uri(vhost), AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync("durable", durable: true, exclusive: false, autoDelete: false);
        }

        await PublishPersistentAsync(connection, "before the kill");

        await broker.KillAsync();

        await Eventually.HoldsAsync(() => !connection.IsOpen, Deadline, "the client to notice the broker is gone");
        await Assert.ThrowsAsync<BrokerUnreachableException>(() => factory.CreateConnectionAsync());
        await AssertSharedBrokerAnswersAsync();

        await broker.StartAsync();

        // After a crash the broker may accept connections before it has recovered the durable
        // queue; publishing (mandatory) before that would be refused with NO_ROUTE.
        // Recovery after a kill replays the message store: on a loaded CI machine it took longer than
        // 30 s once, so it gets the start-up budget.
        await Eventually.HoldsAsync(async () => await broker.GetQueueAsync(vhost, "durable") is not null, Recovery,
            "the durable queue recovered after the kill");
        await using (var afterKill = await factory.CreateConnectionAsync())
        {
            await PublishPersistentAsync(afterKill, "before the stop");
        }

        await broker.StopAsync();
        await broker.StartAsync();

        await Eventually.HoldsAsync(async () => await broker.GetQueueAsync(vhost, "durable") is { Ready: 2 }, Recovery,
            "the management API to count both messages");
        await using var afterStop = await factory.CreateConnectionAsync();
        Assert.Equal(["before the kill", "before the stop"], await DrainAsync(afterStop, "durable"));
    }

    private static async Task PublishPersistentAsync(IConnection connection, string text)
    {
        // With confirms the publish returns once the broker has the message on disk.
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync("", "durable", mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes(text));
    }

    private static async Task<List<string>> DrainAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        var bodies = new List<string>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
        {
            bodies.Add(Encoding.UTF8.GetString(result.Body.Span));
        }

        return bodies;
    }

    private static async Task AssertSharedBrokerAnswersAsync()
    {
        var shared = await RabbitMqServer.GetAsync();
        var factory = new ConnectionFactory { Uri = new Uri(await shared.CreateVirtualHostAsync("ft-shared")), AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync();
        Assert.True(connection.IsOpen);
    }
}
