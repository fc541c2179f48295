using System.Net.Sockets;
using MassTransit;
using Npgsql;

namespace Eventer.ServiceDefaults;

/// <summary>PostgreSQL cannot be reached or is shutting down: the write may succeed later, unchanged (a consumer retries it without giving the message up).</summary>
public sealed class DatabaseUnavailableException(Exception inner)
    : Exception($"PostgreSQL is unavailable: {inner.GetBaseException().Message}", inner)
{
    /// <summary>
    /// Connection failures and the server's own "not now" answers (class 08 connection exception,
    /// 57P admin shutdown / cannot connect now, 53 insufficient resources), and this exception itself
    /// (a call that did not answer in time) — not a bad row.
    /// </summary>
    public static bool Recognizes(Exception ex) => ex switch
    {
        DatabaseUnavailableException => true,
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        InvalidOperationException { InnerException: { } inner } => Recognizes(inner),
        _ => false,
    };
}

/// <summary>The consumers' one answer to an unreachable database.</summary>
public static class DatabaseRetryExtensions
{
    /// <summary>
    /// Retries a consumer that threw <see cref="DatabaseUnavailableException"/> until the database
    /// is back or the service stops, pausing up to <paramref name="longestInterval"/>: the message
    /// stays unacknowledged (the broker's) and never goes to the error queue for it. Nor does the
    /// outage count toward the endpoint's kill switch: MassTransit reports a retried fault to
    /// observers only once the retries end, and these end only when the write succeeds. So a
    /// database outage leaves the endpoint running with its batch waiting, whatever the
    /// <c>Bus:KillSwitch*</c> settings, and the kill switch is left for faults that are not outages.
    /// </summary>
    public static void RetryWhileDatabaseUnavailable<TConsumer>(this IConsumerConfigurator<TConsumer> consumer, TimeSpan longestInterval)
        where TConsumer : class =>
        consumer.RetryWhileUnavailable<TConsumer, DatabaseUnavailableException>(longestInterval);

    /// <summary>
    /// The same for any sink: a consumer that throws <typeparamref name="TUnavailable"/> is retried,
    /// its messages unacknowledged, until the sink is back or the service stops.
    /// </summary>
    public static void RetryWhileUnavailable<TConsumer, TUnavailable>(this IConsumerConfigurator<TConsumer> consumer, TimeSpan longestInterval)
        where TConsumer : class
        where TUnavailable : Exception =>
        consumer.UseMessageRetry(r =>
        {
            r.Handle<TUnavailable>();
            r.Exponential(int.MaxValue, TimeSpan.FromMilliseconds(200), longestInterval, TimeSpan.FromMilliseconds(500));
        });
}
