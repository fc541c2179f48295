using System.Net;
using k8s.Autorest;
using k8s.LeaderElection;

namespace Eventer.Collector.Tests.Leadership;

/// <summary>
/// A leader-election lock held in this process: every instance with the same name competes for
/// one record, so several <see cref="Eventer.Collector.Leadership.LeaderGate"/>s in one test elect one leader. It
/// behaves as KubernetesClient's <c>LeaseLock</c> does against a real API server — a missing
/// record is an HTTP 404, creating an existing one fails, and an update fails when the record
/// changed since this instance last read or wrote it (the Lease's resourceVersion) — so the real
/// <see cref="LeaderElector"/> drives it unchanged.
/// </summary>
public sealed class InMemoryLock(string name, string identity) : ILock
{
    private static readonly Dictionary<string, Stored> Records = [];

    // The version this instance last saw, as LeaseLock caches the Lease it last read.
    private long? _seenVersion;

    public string Identity { get; } = identity;

    /// <summary>A copy of the record now held under <paramref name="name"/>, or null.</summary>
    public static LeaderElectionRecord? Peek(string name)
    {
        lock (Records)
        {
            return Records.TryGetValue(name, out var stored) ? Copy(stored.Record) : null;
        }
    }

    public Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (Records)
        {
            if (!Records.TryGetValue(name, out var stored))
            {
                // LeaderElector tells "no lease yet" (create one) from a failure by this exception.
                throw new HttpOperationException($"lease {name} not found")
                {
                    Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.NotFound), ""),
                };
            }

            _seenVersion = stored.Version;
            return Task.FromResult(Copy(stored.Record));
        }
    }

    public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (Records)
        {
            if (Records.ContainsKey(name))
            {
                return Task.FromResult(false);
            }

            Records[name] = new Stored(1, Copy(record));
            _seenVersion = 1;
            return Task.FromResult(true);
        }
    }

    public Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
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

            Records[name] = new Stored(seen + 1, Copy(record));
            _seenVersion = seen + 1;
            return Task.FromResult(true);
        }
    }

    public string Describe() => $"memory/{name}";

    // Records are mutable: nobody may change the stored one behind the lock's back.
    private static LeaderElectionRecord Copy(LeaderElectionRecord record) => new()
    {
        HolderIdentity = record.HolderIdentity,
        LeaseDurationSeconds = record.LeaseDurationSeconds,
        AcquireTime = record.AcquireTime,
        RenewTime = record.RenewTime,
        LeaderTransitions = record.LeaderTransitions,
    };

    private sealed record Stored(long Version, LeaderElectionRecord Record);
}
