using System.Collections.Concurrent;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventer.Collector;

/// <summary>
/// Readiness of the collector's moving parts — each watched scope, the outbox writer, the relay —
/// as the health check "collector". Ready means: every part that has reported is working, and at
/// least one part has reported (a collector that has not listed yet is not ready).
/// </summary>
public sealed class CollectorStatus : IHealthCheck
{
    private readonly ConcurrentDictionary<string, string?> _problems = new();

    public void Working(string part) => _problems[part] = null;

    public void Failing(string part, string problem) => _problems[part] = problem;

    /// <summary>Forgets a part that no longer runs (e.g. the watcher of a replica that lost leadership).</summary>
    public void Idle(string part) => _problems.TryRemove(part, out _);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_problems.IsEmpty)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("starting"));
        }

        var failing = _problems.Where(p => p.Value is not null).Select(p => $"{p.Key}: {p.Value}").Order().ToList();
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy(string.Join(", ", _problems.Keys.Order()))
            : HealthCheckResult.Unhealthy(string.Join("; ", failing)));
    }

    /// <summary>Registers the status as the readiness check "collector".</summary>
    public static void Register(IHealthChecksBuilder health) =>
        health.AddCheck<CollectorStatus>("collector", tags: [ServiceDefaultsExtensions.ReadyTag]);
}
