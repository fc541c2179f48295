using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventer.ServiceDefaults.Tests;

[Trait("Category", "Unit")]
public sealed class HealthResponseTests
{
    [Fact]
    public async Task The_body_names_each_check_its_status_and_description_as_json()
    {
        var report = new HealthReport(new Dictionary<string, HealthReportEntry>
        {
            ["database"] = new(HealthStatus.Unhealthy, "connection refused: \"db\" — ünreachable", TimeSpan.Zero, null, null),
            ["broker"] = new(HealthStatus.Healthy, null, TimeSpan.Zero, null, null),
        }, TimeSpan.Zero);
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await HealthResponse.WriteAsync(context, report);

        Assert.Equal("application/json", context.Response.ContentType);
        // What the serializer writes for the same shape, escapes included.
        var expected = JsonSerializer.Serialize(new
        {
            status = "Unhealthy",
            checks = new Dictionary<string, object>
            {
                ["database"] = new { status = "Unhealthy", description = (string?)"connection refused: \"db\" — ünreachable" },
                ["broker"] = new { status = "Healthy", description = (string?)null },
            },
        });
        Assert.Equal(expected, Encoding.UTF8.GetString(body.ToArray()));
    }
}
