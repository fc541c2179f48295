using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Eventer.ServiceDefaults;

/// <summary>
/// Readiness of PostgreSQL through the service's <see cref="NpgsqlDataSource"/>: one <c>SELECT 1</c>.
/// For a service without EF Core at run time, whose DbContext check would load EF Core for it.
/// </summary>
public sealed class PostgresHealthCheck(NpgsqlDataSource database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL did not answer: {ex.GetBaseException().Message}");
        }
    }
}
