using Eventer.ServiceDefaults;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Eventer.Collector.Publishing;

/// <summary>
/// Publishes stored occurrences to the <see cref="Exchange"/> exchange with RabbitMQ.Client:
/// persistent, <c>mandatory</c>, and confirmed by the broker, many at once on one channel. The
/// body is MassTransit's envelope around the stored payload (<see cref="MassTransitEnvelope"/>).
/// Not through MassTransit's own publish: on the relay's hot path it cost about 300 µs of CPU a
/// message, five times this, which made the collector the bottleneck on a small node. The
/// connection is opened on first use and again after it broke.
/// </summary>
public sealed class OccurrencePublisher(RabbitMqConnection broker, ILogger<OccurrencePublisher> logger) : IAsyncDisposable
{
    /// <summary>The exchange MassTransit names for the contract; every consumer's queue is bound to it.</summary>
    public const string Exchange = "Eventer.Contracts:KubeEventObserved";

    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly MassTransitEnvelope _envelope = new(
        new Uri(Address(broker, "eventer-collector")), new Uri(Address(broker, Exchange)));

    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>
    /// Publishes one occurrence (<paramref name="payload"/>: its JSON in UTF-8) and waits for the broker's confirm. Throws
    /// <see cref="UnroutableException"/> when the broker returns it because no queue is bound.
    /// </summary>
    public async Task PublishAsync(Guid messageId, ReadOnlyMemory<byte> payload, string? traceParent, CancellationToken cancellationToken)
    {
        var channel = await ChannelAsync(cancellationToken);
        var properties = new BasicProperties
        {
            MessageId = messageId.ToString(),
            ContentType = MassTransitEnvelope.ContentType,
            Persistent = true,
            Headers = traceParent is null ? null : new Dictionary<string, object?> { [MassTransitEnvelope.ActivityIdHeader] = traceParent },
        };
        var body = _envelope.Write(messageId, payload.Span, traceParent, DateTime.UtcNow);
        try
        {
            await channel.BasicPublishAsync(Exchange, "", mandatory: true, properties, body, cancellationToken);
        }
        catch (PublishException returned) when (returned.IsReturn)
        {
            throw new UnroutableException(returned);
        }
    }

    /// <summary>Which of <paramref name="queues"/> the broker does not have (yet).</summary>
    public async Task<IReadOnlyList<string>> MissingQueuesAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        await ChannelAsync(cancellationToken);
        var missing = new List<string>();
        foreach (var queue in queues)
        {
            // A passive declare of a queue that does not exist closes its channel: one channel a question.
            await using var probe = await _connection!.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                await probe.QueueDeclarePassiveAsync(queue, cancellationToken);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                missing.Add(queue);
            }
        }

        return missing;
    }

    /// <summary>Opens the connection if it is not open; throws when the broker cannot be reached.</summary>
    public async Task EnsureConnectedAsync(CancellationToken cancellationToken) => await ChannelAsync(cancellationToken);

    private async ValueTask<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await _opening.WaitAsync(cancellationToken);
        try
        {
            if (_channel is { IsOpen: true } opened)
            {
                return opened;
            }

            await CloseAsync();
            _connection = await Factory().CreateConnectionAsync(cancellationToken);
            // Confirms tracked by the library (a publish completes with its confirm, or throws on a
            // return or a nack); no limiter of its own: the relay bounds what is in flight.
            _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(
                publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                outstandingPublisherConfirmationsRateLimiter: null), cancellationToken);
            // As MassTransit declares it for the consumers, so whoever comes first makes the same exchange.
            await _channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            logger.LogInformation("Connected to RabbitMQ at {Broker}; publishing to exchange {Exchange}", broker, Exchange);
            return _channel;
        }
        finally
        {
            _opening.Release();
        }
    }

    // Reconnecting is ours (above): the relay retries the rows of a broken connection itself.
    private ConnectionFactory Factory() => broker.Factory("eventer-collector");

    private async Task CloseAsync()
    {
        try
        {
            if (_channel is not null)
            {
                await _channel.DisposeAsync();
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
        catch (Exception ex) when (ex is OperationInterruptedException or IOException or ObjectDisposedException or AlreadyClosedException)
        {
            // It was broken already.
        }

        _channel = null;
        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _opening.Dispose();
    }

    private static string Address(RabbitMqConnection broker, string name) =>
        $"{(broker.UseTls ? "rabbitmqs" : "rabbitmq")}://{broker.Host}/{(broker.VirtualHost == "/" ? "" : Uri.EscapeDataString(broker.VirtualHost) + "/")}{name}";
}

/// <summary>RabbitMQ returned a mandatory publish: no queue is bound to the exchange.</summary>
public sealed class UnroutableException(Exception inner)
    : Exception($"RabbitMQ returned the message: no queue is bound to the exchange {OccurrencePublisher.Exchange}", inner);
