using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventer.EsIndexer.Indexing;

/// <summary>What readiness says: the server found at start, whether the templates are in, and the last problem.</summary>
public sealed class ElasticsearchStatus : IHealthCheck
{
    private volatile State _state = new(null, false, "not connected yet");

    public SearchServer? Server => _state.Server;

    public bool TemplatesInstalled => _state.TemplatesInstalled;

    public string? Problem => _state.Problem;

    public void Ready(SearchServer server) => _state = new State(server, true, null);

    /// <summary>A request failed as a whole; the reason (never a credential) is what readiness shows until one succeeds.</summary>
    public void Failed(string problem) => _state = _state with { Problem = problem };

    public void Succeeded()
    {
        if (_state.Problem is not null && _state.TemplatesInstalled)
        {
            _state = _state with { Problem = null };
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = _state;
        return Task.FromResult(state switch
        {
            { Problem: { } problem } => HealthCheckResult.Unhealthy(problem),
            { TemplatesInstalled: false } => HealthCheckResult.Unhealthy("index templates not installed yet"),
            _ => HealthCheckResult.Healthy($"{state.Server}, index templates installed"),
        });
    }

    private sealed record State(SearchServer? Server, bool TemplatesInstalled, string? Problem);
}
