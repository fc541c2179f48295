using System.ComponentModel.DataAnnotations;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Leadership;

/// <summary>How collector replicas elect the one that watches (section <c>Collector:Leadership</c>).</summary>
/// <remarks>
/// Timing as in Kubernetes' own leader election (<see cref="LeaseElector"/>): a leader renews every
/// <see cref="RetryPeriod"/> and steps down when a renewal has not succeeded within
/// <see cref="RenewDeadline"/>; a follower takes the lease once it has seen the same record for
/// <see cref="LeaseDuration"/>. The minimums are low so tests can fail over in seconds; in
/// production keep the defaults (15 s / 10 s / 2 s) or larger: below about 10 s / 5 s / 1 s a
/// slow API server makes the leader step down for nothing.
/// </remarks>
public sealed class LeadershipOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Collector:Leadership";

    /// <summary>Where a pod finds its own namespace.</summary>
    public const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary><c>none</c> (default: one replica, always the leader) or <c>lease</c>.</summary>
    [EnumDataType(typeof(LeadershipMode), ErrorMessage = "must be 'none' or 'lease'")]
    public LeadershipMode Mode { get; set; } = LeadershipMode.None;

    /// <summary>Name of the Lease (mode <c>lease</c>).</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", ErrorMessage = "must be a DNS subdomain name (lower-case letters, digits, '-' and '.')")]
    [StringLength(253)]
    public string LeaseName { get; set; } = "eventer-collector";

    /// <summary>Namespace of the Lease; by default the pod's own, else <c>default</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", ErrorMessage = "must be a DNS label (lower-case letters, digits and '-')")]
    [StringLength(63)]
    public string LeaseNamespace { get; set; } = PodNamespace();

    /// <summary>
    /// This replica's name in the lease; by default the host name (the pod name) plus a random
    /// suffix. It must differ between replicas: two that share it would both lead.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    [StringLength(253)]
    public string Identity { get; set; } = EventerHost.ReplicaIdentity();

    /// <summary>
    /// How long followers wait on an unrenewed lease before taking it: the longest a dead leader
    /// leaves the cluster unwatched. Whole seconds, since the Lease stores seconds.
    /// </summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it stops leading.</summary>
    [TimeSpanRange("00:00:00.100", "00:10:00")]
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts to acquire or renew the lease.</summary>
    [TimeSpanRange("00:00:00.050", "00:01:00")]
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // The Lease stores whole seconds ((int)LeaseDuration.TotalSeconds) and other readers wait what
        // it says, so a fraction would silently shorten the wait below what the checks here assume.
        if (LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return new ValidationResult("must be a whole number of seconds", [nameof(LeaseDuration)]);
        }

        if (RetryPeriod >= RenewDeadline)
        {
            yield return new ValidationResult($"must be less than RenewDeadline ({RenewDeadline})", [nameof(RetryPeriod)]);
        }

        // The leader stops leading at the latest RetryPeriod + RenewDeadline after its last
        // renewal, and a follower takes over no sooner than LeaseDuration after seeing it: keeping
        // the first shorter is what stops two replicas from leading at once.
        if (RenewDeadline + RetryPeriod >= LeaseDuration)
        {
            yield return new ValidationResult(
                $"must be less than LeaseDuration minus RetryPeriod ({LeaseDuration} - {RetryPeriod})", [nameof(RenewDeadline)]);
        }
    }

    private static string PodNamespace()
    {
        try
        {
            return File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile).Trim() : "default";
        }
        catch (IOException)
        {
            return "default";
        }
        catch (UnauthorizedAccessException)
        {
            return "default";
        }
    }
}

/// <summary>How collector replicas elect their leader.</summary>
public enum LeadershipMode
{
    /// <summary>A single replica that always leads.</summary>
    None,

    /// <summary>A <c>coordination.k8s.io/v1</c> Lease.</summary>
    Lease,
}

/// <summary>Validates <see cref="LeadershipOptions"/> with code the options source generator writes (no reflection; the collector is compiled ahead of time).</summary>
[OptionsValidator]
internal sealed partial class LeadershipOptionsValidator : IValidateOptions<LeadershipOptions>
{
}
