using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace Eventer.Testing;

/// <summary>
/// A queue of the test's own bound to the <c>KubeEventObserved</c> exchange: what reaches it is
/// exactly what the collector published, counted per occurrence key (none missing, none doubled).
/// </summary>
public sealed class ProbeQueue : IAsyncDisposable
{
    /// <summary>MassTransit's exchange for the contract (namespace:type).</summary>
    public const string Exchange = "Eventer.Contracts:KubeEventObserved";

    private readonly string _amqpUri;
    private readonly string _queue;
    private readonly List<ProbedOccurrence> _received = [];
    private IConnection _connection;
    private IChannel _channel;

    private ProbeQueue(string amqpUri, IConnection connection, IChannel channel, string queue)
    {
        _amqpUri = amqpUri;
        _connection = connection;
        _channel = channel;
        _queue = queue;
    }

    /// <summary>Everything received so far (polling takes more).</summary>
    public IReadOnlyList<ProbedOccurrence> Received => _received;

    /// <summary>Declares the exchange as MassTransit does (durable fanout) and a probe queue (named <paramref name="name"/>, or probe-…) bound to it.</summary>
    public static async Task<ProbeQueue> BindAsync(string amqpUri, string? name = null)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = name ?? $"probe-{Guid.NewGuid():N}";
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, Exchange, routingKey: "");
        return new ProbeQueue(amqpUri, connection, channel, queue);
    }

    /// <summary>Takes what is in the queue now, up to <paramref name="limit"/> messages; after a broker restart it connects again (the queue is durable).</summary>
    public async Task PollAsync(int limit = int.MaxValue)
    {
        if (!_channel.IsOpen)
        {
            await _connection.DisposeAsync();
            _connection = await new ConnectionFactory { Uri = new Uri(_amqpUri) }.CreateConnectionAsync();
            _channel = await _connection.CreateChannelAsync();
        }

        for (var taken = 0; taken < limit && await _channel.BasicGetAsync(_queue, autoAck: true) is { } result; taken++)
        {
            _received.Add(ProbedOccurrence.Parse(result.BasicProperties.MessageId, Encoding.UTF8.GetString(result.Body.Span)));
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds over everything received.</summary>
    public Task WaitForAsync(Func<IReadOnlyList<ProbedOccurrence>, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(async () =>
        {
            try
            {
                await PollAsync();
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException
                or RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return false; // the broker is being restarted, or has not recovered the durable queue yet
            }

            return condition(_received);
        }, timeout ?? TimeSpan.FromSeconds(60), what);

    /// <summary>Waits for one occurrence of an event.</summary>
    public Task WaitForAsync(string eventUid, int occurrence = 1, TimeSpan? timeout = null) =>
        WaitForAsync(r => r.Any(o => o.EventUid == eventUid && o.Occurrence == occurrence), $"occurrence {occurrence} of {eventUid} at the probe queue", timeout);

    /// <summary>True once the broker has the probe queue (after a restart it recovers durable queues a little later).</summary>
    public async Task<bool> ExistsAsync()
    {
        try
        {
            await using var connection = await new ConnectionFactory { Uri = new Uri(_amqpUri) }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclarePassiveAsync(_queue);
            return true;
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return false;
        }
    }

    /// <summary>Occurrence keys received more than once.</summary>
    public IReadOnlyList<string> Doubled() =>
        _received.GroupBy(r => r.Key).Where(g => g.Count() > 1).Select(g => $"{g.Key} ×{g.Count()}").ToList();

    public async ValueTask DisposeAsync()
    {
        await _channel.QueueDeleteAsync(_queue);
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

/// <summary>One message at the probe queue: its MessageId and the occurrence it carries.</summary>
public sealed record ProbedOccurrence(string? MessageId, string Cluster, string EventUid, int Occurrence, string SourceApi, string Body)
{
    public string Key => $"{Cluster}/{EventUid}/{Occurrence}";

    /// <summary>Reads MassTransit's JSON envelope (<c>{"messageId":…,"message":{…}}</c>).</summary>
    public static ProbedOccurrence Parse(string? messageId, string body)
    {
        using var doc = JsonDocument.Parse(body);
        var message = doc.RootElement.GetProperty("message");
        return new ProbedOccurrence(messageId,
            message.GetProperty("cluster").GetString()!,
            message.GetProperty("eventUid").GetString()!,
            message.GetProperty("occurrence").GetInt32(),
            message.GetProperty("sourceApi").GetString()!,
            body);
    }
}
