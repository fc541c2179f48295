namespace Eventer.Collector;

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
    public async Task PauseAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Next(), stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the caller's loop condition ends it.
        }
    }
}
