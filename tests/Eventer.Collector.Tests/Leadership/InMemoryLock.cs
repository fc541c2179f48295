using Eventer.Collector.Leadership;

namespace Eventer.Collector.Tests.Leadership;

/// <summary>
/// A leader-election lock held in this process: every instance with the same name competes for
/// one record, so several <see cref="Eventer.Collector.Leadership.LeaderGate"/>s in one test elect one leader. It
/// behaves as <see cref="LeaseLock"/> does against a real API server — a missing record reads as
/// null, creating an existing one fails, and an update fails when the record changed since this
/// instance last read or wrote it (the Lease's resourceVersion) — so the real
/// <see cref="LeaseElector"/> drives it unchanged.
/// </summary>
public sealed class InMemoryLock(string name, string identity) : ILeaderLock
{
    private static readonly Dictionary<string, Stored> Records = [];

    // The version this instance last saw, as LeaseLock caches the Lease it last read.
    private long? _seenVersion;

    public string Identity { get; } = identity;

    /// <summary>The record now held under <paramref name="name"/>, or null.</summary>
    public static LeaderRecord? Peek(string name)
    {
        lock (Records)
        {
            return Records.TryGetValue(name, out var stored) ? stored.Record : null;
        }
    }

    public Task<LeaderRecord?> GetAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (Records)
        {
            if (!Records.TryGetValue(name, out var stored))
            {
                return Task.FromResult<LeaderRecord?>(null);
            }

            _seenVersion = stored.Version;
            return Task.FromResult<LeaderRecord?>(stored.Record);
        }
    }

    public Task<bool> CreateAsync(LeaderRecord record, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (Records)
        {
            if (Records.ContainsKey(name))
            {
                return Task.FromResult(false);
            }

            Records[name] = new Stored(1, record);
            _seenVersion = 1;
            return Task.FromResult(true);
        }
    }

    public Task<bool> UpdateAsync(LeaderRecord record, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (Records)
        {
            if (_seenVersion is not { } seen)
            {
                throw new InvalidOperationException("lock not initialized, call get or create first");
            }

            if (!Records.TryGetValue(name, out var stored) || stored.Version != seen)
            {
                return Task.FromResult(false);
            }

            Records[name] = new Stored(seen + 1, record);
            _seenVersion = seen + 1;
            return Task.FromResult(true);
        }
    }

    public string Describe() => $"memory/{name}";

    private sealed record Stored(long Version, LeaderRecord Record);
}
