using k8s;

namespace Eventer.Collector.Leadership;

/// <summary>The lock each <see cref="LeadershipMode"/> elects with.</summary>
public static class LeaderLocks
{
    /// <summary>
    /// A <see cref="LeaseLock"/> for <see cref="LeadershipMode.Lease"/>, and null for
    /// <see cref="LeadershipMode.None"/>, which needs no lock. <paramref name="kubernetes"/> is
    /// called only in mode <c>lease</c>.
    /// </summary>
    public static ILeaderLock? Create(LeadershipOptions options, Func<IKubernetes> kubernetes)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kubernetes);
        return options.Mode switch
        {
            LeadershipMode.None => null,
            LeadershipMode.Lease => new LeaseLock(kubernetes(), options.LeaseNamespace, options.LeaseName, options.Identity),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "unknown leadership mode"),
        };
    }
}
