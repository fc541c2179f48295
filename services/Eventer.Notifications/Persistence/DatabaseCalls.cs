using Eventer.ServiceDefaults;

namespace Eventer.Notifications.Persistence;

/// <summary>How the dispatcher waits for PostgreSQL: never longer than it may, and without cancelling the call.</summary>
public static class DatabaseCalls
{
    /// <summary>
    /// Waits for a database call at most <paramref name="limit"/>, or until
    /// <paramref name="cancellationToken"/> fires; then leaves it running and throws
    /// (<see cref="DatabaseUnavailableException"/> for the limit). The call itself must be started
    /// without that token: Npgsql answers a cancelled command by sending PostgreSQL a cancel request
    /// over a new connection, synchronously on the thread that cancels, and into a frozen network
    /// (a vanished server, a partition) that blocks for up to twice the connect timeout — 30 s by
    /// default — so a cancellation meant to stop work in time would itself be late. A call left
    /// running ends by Npgsql's own command and connect timeouts.
    /// </summary>
    /// <param name="call">The call, started with <see cref="CancellationToken.None"/>.</param>
    /// <param name="limit">The longest wait.</param>
    /// <param name="clock">The clock of the limit.</param>
    /// <param name="cancellationToken">Ends the wait early.</param>
    public static async Task<T> WithinAsync<T>(this Task<T> call, TimeSpan limit, TimeProvider clock, CancellationToken cancellationToken)
    {
        try
        {
            return await call.WaitAsync(limit, clock, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException && !call.IsCompleted)
        {
            // Observed, so that its eventual failure is not reported as unobserved.
            _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (ex is TimeoutException)
            {
                throw new DatabaseUnavailableException(new TimeoutException($"PostgreSQL did not answer within {limit.TotalSeconds:0.###} s"));
            }

            throw;
        }
    }

    /// <inheritdoc cref="WithinAsync{T}(Task{T}, TimeSpan, TimeProvider, CancellationToken)"/>
    public static async Task WithinAsync(this Task call, TimeSpan limit, TimeProvider clock, CancellationToken cancellationToken) =>
        await WithResult(call).WithinAsync(limit, clock, cancellationToken);

    private static async Task<bool> WithResult(Task call)
    {
        await call;
        return true;
    }
}
