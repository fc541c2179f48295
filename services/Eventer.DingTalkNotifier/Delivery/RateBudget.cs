namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>
/// A robot's send budget: at most <c>N</c> messages in any minute, counted over a sliding window
/// (a token bucket refilled continuously would allow a full bucket plus a minute's refill — 39 —
/// inside one minute, and DingTalk answers the 21st with ten minutes of 130101). A send is counted
/// when its answer arrives, which is no earlier than DingTalk counted it, and the window has a
/// second of margin for clock and network differences. One budget per robot, shared by all work
/// in the process.
/// </summary>
public sealed class RateBudget(int messagesPerMinute)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1);

    private readonly object _lock = new();
    private readonly Queue<DateTimeOffset> _spent = new();

    public int MessagesPerMinute { get; } = messagesPerMinute;

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

    private void Forget(DateTimeOffset now)
    {
        while (_spent.TryPeek(out var oldest) && oldest <= now - Window)
        {
            _spent.Dequeue();
        }
    }
}
