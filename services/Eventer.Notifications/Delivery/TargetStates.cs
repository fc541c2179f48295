using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventer.Notifications.Delivery;

/// <summary>Every configured target's <see cref="TargetState"/>, shared by the dispatcher, readiness and metrics.</summary>
public sealed class TargetStates(DeliveryOptions options)
{
    private readonly Dictionary<string, TargetState> _targets = options.TargetSettings()
        .ToDictionary(t => t.Key, t => new TargetState(t.Key, t.Value.PerMinuteLimit(), t.Value.PerSecondLimit(), options.LongestFailureBackoff),
            StringComparer.Ordinal);

    public IReadOnlyCollection<TargetState> All => _targets.Values;

    /// <summary>The target of that name, or null when it is not configured (any more).</summary>
    public TargetState? Find(string target) => _targets.GetValueOrDefault(target);

    /// <summary>Whether this replica holds the dispatcher lease (one replica sends; the others stand by).</summary>
    public bool Dispatching { get; set; }
}

/// <summary>
/// Readiness of the targets: unhealthy while one is misconfigured (a person must act), degraded
/// while one is throttled or failing, each target's state in the description.
/// </summary>
public sealed class TargetsHealthCheck(TargetStates targets) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var description = string.Join("; ", targets.All.Select(t => t.Detail is null
            ? $"{t.Name}: {Label(t.Health)}"
            : $"{t.Name}: {Label(t.Health)} ({t.Detail})"));
        if (!targets.Dispatching)
        {
            description += "; standby: another replica dispatches";
        }

        var worst = targets.All.Select(t => t.Health).DefaultIfEmpty(TargetHealth.Ok).Max();
        return Task.FromResult(worst switch
        {
            TargetHealth.Misconfigured => HealthCheckResult.Unhealthy(description),
            TargetHealth.Ok => HealthCheckResult.Healthy(description),
            _ => HealthCheckResult.Degraded(description),
        });
    }

    private static string Label(TargetHealth health) => health.ToString().ToLowerInvariant();
}
