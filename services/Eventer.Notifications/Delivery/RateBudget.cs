namespace Eventer.Notifications.Delivery;

/// <summary>
/// A target's send budget: at most <c>N</c> messages in any minute, counted over a sliding window
/// (a token bucket refilled continuously would allow a full bucket plus a minute's refill — 39 —
/// inside one minute, and DingTalk answers the 21st with ten minutes of 130101). A send is counted
/// when its answer arrives, which is no earlier than the platform counted it, and the window has a
/// second of margin for clock and network differences. Platforms that also count per second
/// (Feishu 5/s, Slack 1/s) get their sends paced (<see cref="PaceDelay"/>); storms are planned
/// against the minute. One budget per target, shared by all work in the process.
/// </summary>
public sealed class RateBudget(int messagesPerMinute, int? messagesPerSecond = null)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1);

    /// <summary>The per-second window, with a tenth of a second of margin.</summary>
    public static readonly TimeSpan SecondWindow = TimeSpan.FromSeconds(1.1);

    private readonly object _lock = new();
    private readonly Queue<DateTimeOffset> _spent = new();

    public int MessagesPerMinute { get; } = messagesPerMinute;

    public int? MessagesPerSecond { get; } = messagesPerSecond;

    /// <summary>How many messages may be sent now.</summary>
    public int Available(DateTimeOffset now)
    {
        lock (_lock)
        {
            Forget(now);
            return Math.Max(0, MessagesPerMinute - _spent.Count);
        }
    }

    /// <summary>Counts one message (or an attempt DingTalk may have counted) as sent at <paramref name="at"/>.</summary>
    public void Spend(DateTimeOffset at)
    {
        lock (_lock)
        {
            _spent.Enqueue(at);
        }
    }

    /// <summary>
    /// Adds sends this process did not count itself (found in the database on taking over), keeping
    /// the order; a time already counted is not counted twice.
    /// </summary>
    public void Remember(IEnumerable<DateTimeOffset> sent)
    {
        lock (_lock)
        {
            var all = _spent.Union(sent).Order().ToList();
            _spent.Clear();
            foreach (var at in all)
            {
                _spent.Enqueue(at);
            }
        }
    }

    /// <summary>When the next message may be sent (now, when one may).</summary>
    public DateTimeOffset NextAvailable(DateTimeOffset now)
    {
        lock (_lock)
        {
            Forget(now);
            return _spent.Count < MessagesPerMinute ? now : _spent.ElementAt(_spent.Count - MessagesPerMinute) + Window;
        }
    }

    /// <summary>How long to wait before the next send so that no second holds more than <see cref="MessagesPerSecond"/>.</summary>
    public TimeSpan PaceDelay(DateTimeOffset now)
    {
        if (MessagesPerSecond is not { } perSecond)
        {
            return TimeSpan.Zero;
        }

        lock (_lock)
        {
            var recent = _spent.Where(at => at > now - SecondWindow).ToList();
            return recent.Count < perSecond ? TimeSpan.Zero : recent[^perSecond] + SecondWindow - now;
        }
    }

    private void Forget(DateTimeOffset now)
    {
        while (_spent.TryPeek(out var oldest) && oldest <= now - Window)
        {
            _spent.Dequeue();
        }
    }
}
