using Eventer.ServiceDefaults;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Network;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Eventer.ServiceDefaults.Tests;

[Trait("Category", "Integration")]
public sealed class PostgresHealthCheckTests
{
    [Fact]
    public async Task A_database_that_answers_is_healthy()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("health");

        var result = await CheckAsync(database);

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_the_registration_s_failure_status_with_the_reason()
    {
        var result = await CheckAsync($"Host=127.0.0.1;Port={LoopbackPort.Free()};Database=x;Username=u;Password=hunter2;Timeout=2");

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.StartsWith("PostgreSQL did not answer: ", result.Description);
        Assert.DoesNotContain("hunter2", result.Description);
    }

    private static async Task<HealthCheckResult> CheckAsync(string connectionString)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        var check = new PostgresHealthCheck(source);
        var registration = new HealthCheckRegistration("database", check, HealthStatus.Degraded, tags: null);
        return await check.CheckHealthAsync(new HealthCheckContext { Registration = registration });
    }
}
