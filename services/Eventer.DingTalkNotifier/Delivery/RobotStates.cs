using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>Every configured robot's <see cref="RobotState"/>, shared by the dispatcher, readiness and metrics.</summary>
public sealed class RobotStates(IOptions<NotifierOptions> options)
{
    private readonly Dictionary<string, RobotState> _robots = options.Value.Robots
        .ToDictionary(r => r.Key, r => new RobotState(r.Key, r.Value.MessagesPerMinute, options.Value.LongestFailureBackoff), StringComparer.Ordinal);

    public IReadOnlyCollection<RobotState> All => _robots.Values;

    /// <summary>The robot of that name, or null when it is not configured (any more).</summary>
    public RobotState? Find(string robot) => _robots.GetValueOrDefault(robot);

    /// <summary>Whether this replica holds the dispatcher lease (one replica sends; the others stand by).</summary>
    public bool Dispatching { get; set; }
}

/// <summary>
/// Readiness of the robots: unhealthy while one is misconfigured (a person must act), degraded
/// while one is throttled or failing, each robot's state in the description.
/// </summary>
public sealed class RobotsHealthCheck(RobotStates robots) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var description = string.Join("; ", robots.All.Select(r => r.Detail is null
            ? $"{r.Name}: {Label(r.Health)}"
            : $"{r.Name}: {Label(r.Health)} ({r.Detail})"));
        if (!robots.Dispatching)
        {
            description += "; standby: another replica dispatches";
        }

        var worst = robots.All.Select(r => r.Health).DefaultIfEmpty(RobotHealth.Ok).Max();
        return Task.FromResult(worst switch
        {
            RobotHealth.Misconfigured => HealthCheckResult.Unhealthy(description),
            RobotHealth.Ok => HealthCheckResult.Healthy(description),
            _ => HealthCheckResult.Degraded(description),
        });
    }

    private static string Label(RobotHealth health) => health.ToString().ToLowerInvariant();
}
