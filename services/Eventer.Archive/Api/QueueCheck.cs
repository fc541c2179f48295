using Eventer.ServiceDefaults;
using RabbitMQ.Client.Exceptions;

namespace Eventer.Archive.Api;

/// <summary>Whether a queue exists, asked without declaring it (a passive declare on a connection of its own).</summary>
internal static class QueueCheck
{
    public static async Task<bool> ExistsAsync(RabbitMqConnection broker, string queue, CancellationToken cancellationToken)
    {
        await using var connection = await broker.Factory("eventer-archive-replay").CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return true;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }
}
