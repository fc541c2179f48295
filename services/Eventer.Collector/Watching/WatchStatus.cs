using System.Collections.Concurrent;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventer.Collector.Watching;

/// <summary>Whether every watched scope (all namespaces, or each listed one) is currently listed and watching.</summary>
public sealed class WatchStatus : IHealthCheck
{
    private readonly ConcurrentDictionary<string, string?> _problems = new();

    public void Watching(string scope) => _problems[scope] = null;

    public void Failing(string scope, string problem) => _problems[scope] = problem;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_problems.IsEmpty)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not listed yet"));
        }

        var failing = _problems.Where(p => p.Value is not null).Select(p => $"{p.Key}: {p.Value}").ToList();
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy("watching")
            : HealthCheckResult.Unhealthy(string.Join("; ", failing)));
    }

    /// <summary>Registers the status as the readiness check "watch".</summary>
    public static void Register(IHealthChecksBuilder health) =>
        health.AddCheck<WatchStatus>("watch", tags: [ServiceDefaultsExtensions.ReadyTag]);
}
