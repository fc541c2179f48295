namespace Eventer.Notifications.Delivery;

/// <summary>How a target is doing, as readiness shows it.</summary>
public enum TargetHealth
{
    Ok,

    /// <summary>The platform said "too fast"; sending waits for the back-off.</summary>
    Throttled,

    /// <summary>The last attempt failed in a way that may pass (5xx, timeout); retried with back-off.</summary>
    Failing,

    /// <summary>The platform refused the target's settings (signature, keyword, IP, token, URL): a person must fix them.</summary>
    Misconfigured,
}

/// <summary>
/// One target's delivery state: its budget, its health and when it may be tried again, and which
/// objects it alerted about recently (for folding repeats).
/// </summary>
public sealed class TargetState(string name, int messagesPerMinute, int? messagesPerSecond, TimeSpan longestFailureBackoff)
{
    private readonly TimeSpan _firstFailureBackoff = Min(TimeSpan.FromSeconds(1), longestFailureBackoff);

    private readonly object _lock = new();
    private TimeSpan _throttleBackoff;
    private TimeSpan _failureBackoff;
    private long _failingAlert;
    private int _failuresOfAlert;

    public string Name { get; } = name;

    public RateBudget Budget { get; } = new(messagesPerMinute, messagesPerSecond);

    /// <summary>When each fold key was last alerted about; read and written by the one dispatcher.</summary>
    public Dictionary<string, DateTimeOffset> LastAlerted { get; } = new(StringComparer.Ordinal);

    public TargetHealth Health { get; private set; } = TargetHealth.Ok;

    /// <summary>What the platform or the network said last time it went wrong (never the address).</summary>
    public string? Detail { get; private set; }

    public DateTimeOffset RetryAt { get; private set; } = DateTimeOffset.MinValue;

    public bool MayTry(DateTimeOffset now)
    {
        lock (_lock)
        {
            return now >= RetryAt;
        }
    }

    public void Succeeded()
    {
        lock (_lock)
        {
            (Health, Detail, RetryAt, _throttleBackoff, _failureBackoff) = (TargetHealth.Ok, null, DateTimeOffset.MinValue, TimeSpan.Zero, TimeSpan.Zero);
            (_failingAlert, _failuresOfAlert) = (0, 0);
        }
    }

    /// <summary>Counts a failure of the alert led by <paramref name="alertId"/>; returns how often it has failed in a row.</summary>
    public int FailedAgain(long alertId)
    {
        lock (_lock)
        {
            (_failingAlert, _failuresOfAlert) = _failingAlert == alertId ? (alertId, _failuresOfAlert + 1) : (alertId, 1);
            return _failuresOfAlert;
        }
    }

    /// <summary>
    /// Throttled: wait as long as the platform said (<paramref name="retryAfter"/>), or else
    /// <paramref name="backoff"/>, doubling while it keeps happening, up to 10 minutes (DingTalk's
    /// penalty, the longest any platform here imposes).
    /// </summary>
    public void RateLimited(DateTimeOffset now, TimeSpan backoff, TimeSpan? retryAfter, string detail)
    {
        lock (_lock)
        {
            _throttleBackoff = _throttleBackoff == TimeSpan.Zero ? backoff : Min(_throttleBackoff * 2, TimeSpan.FromMinutes(10));
            var wait = retryAfter is { } told ? Min(told, TimeSpan.FromMinutes(10)) : _throttleBackoff;
            (Health, Detail, RetryAt) = (TargetHealth.Throttled, detail, now + wait);
        }
    }

    public void Failed(DateTimeOffset now, string detail)
    {
        lock (_lock)
        {
            _failureBackoff = _failureBackoff == TimeSpan.Zero ? _firstFailureBackoff : Min(_failureBackoff * 2, longestFailureBackoff);
            (Health, Detail, RetryAt) = (TargetHealth.Failing, detail, now + _failureBackoff);
        }
    }

    /// <summary>Misconfigured: try again only after <paramref name="retryAfter"/> (the setting may be fixed at the platform's side, e.g. an IP list), never in a hot loop.</summary>
    /// <returns>True when the target was not misconfigured before (so the error is logged once).</returns>
    public bool Misconfigured(DateTimeOffset now, TimeSpan retryAfter, string detail)
    {
        lock (_lock)
        {
            var first = Health != TargetHealth.Misconfigured;
            (Health, Detail, RetryAt) = (TargetHealth.Misconfigured, detail, now + retryAfter);
            return first;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
