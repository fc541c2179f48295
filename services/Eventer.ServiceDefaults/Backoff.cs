namespace Eventer.ServiceDefaults;

/// <summary>Exponential backoff with full jitter: a fleet that lost the API server does not return in step.</summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private int _attempt;

    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt++, 20)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    public void Reset() => _attempt = 0;

    /// <summary>Waits <see cref="Next"/>; returns early (without throwing) when stopping.</summary>
    public Task PauseAsync(CancellationToken stoppingToken) => PauseAsync(Next(), stoppingToken);

    /// <summary>Waits <paramref name="delay"/>; returns early (without throwing) when stopping.</summary>
    public static async Task PauseAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the caller's loop condition ends it.
        }
    }
}
