using MassTransit;

namespace Eventer.ServiceDefaults;

/// <summary>Setting one message of a batch aside, the way MassTransit does for a fault.</summary>
public static class ErrorQueue
{
    /// <summary>
    /// Sends <paramref name="item"/> to <c>&lt;queue&gt;_error</c> with <paramref name="reason"/> in
    /// <c>MT-Fault-Message</c> and its own MessageId, so the rest of its batch can be acknowledged.
    /// Returns the error queue's name.
    /// </summary>
    public static async Task<string> SetAsideAsync<T>(this ConsumeContext batch, ConsumeContext<T> item, string reason)
        where T : class
    {
        var queue = batch.ReceiveContext.InputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Last() + "_error";
        var errors = await batch.GetSendEndpoint(new Uri($"queue:{queue}"));
        await errors.Send(item.Message, send =>
        {
            send.MessageId = item.MessageId;
            send.Headers.Set("MT-Reason", "fault");
            send.Headers.Set("MT-Fault-Message", reason);
            send.Headers.Set("MT-Fault-InputAddress", batch.ReceiveContext.InputAddress.ToString());
            send.Headers.Set("MT-Fault-Timestamp", DateTimeOffset.UtcNow.ToString("O"));
        }, batch.CancellationToken);
        return queue;
    }
}
