namespace Eventer.Collector.Leadership;

/// <summary>
/// What a <see cref="LeaseElector"/> campaigns for: one record that candidates read and replace,
/// each replacement refused when the record changed since the candidate last read or wrote it.
/// </summary>
public interface ILeaderLock
{
    /// <summary>This candidate's name in the record.</summary>
    string Identity { get; }

    /// <summary>The record, or null when there is none yet.</summary>
    Task<LeaderRecord?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Creates the record; false when another candidate created it first.</summary>
    Task<bool> CreateAsync(LeaderRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the record last read or written; false when it has changed since.</summary>
    Task<bool> UpdateAsync(LeaderRecord record, CancellationToken cancellationToken);

    /// <summary>Where the record is, for logs.</summary>
    string Describe();
}

/// <summary>
/// Who holds the lock and since when: the fields of a <c>coordination.k8s.io/v1</c> Lease's spec.
/// An empty <see cref="HolderIdentity"/> is a released lock, free at once.
/// </summary>
public sealed record LeaderRecord(string HolderIdentity, int LeaseDurationSeconds, DateTime? AcquireTime, DateTime? RenewTime, int LeaderTransitions);
