using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Eventer.Testing;

/// <summary>Runs a service's real host in the test process, on a free loopback port.</summary>
public static class TestHosts
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Settings every test host gets: a free port and quiet logs.</summary>
    public static void UseTestSettings(this WebApplicationBuilder builder, IDictionary<string, string?> settings)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
            // Nothing on the console: a failing test must be findable in CI's output without
            // scrolling past every host's outage warnings. Tests read logs through FakeLogger.
            ["Logging:Console:LogLevel:Default"] = "None",
        });
        builder.Configuration.AddInMemoryCollection(settings);
    }

    /// <summary>
    /// <paramref name="defaults"/> with <paramref name="overrides"/> laid over them; a null value
    /// drops the key, so a test can ask for a service default its host overrides.
    /// </summary>
    public static Dictionary<string, string?> Overlay(this Dictionary<string, string?> defaults, IDictionary<string, string?>? overrides)
    {
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                defaults.Remove(key);
            }
            else
            {
                defaults[key] = value;
            }
        }

        return defaults;
    }

    /// <summary>The address the started host listens on.</summary>
    public static Uri Address(this WebApplication app) => new(app.Urls.First());

    /// <summary>Asks <c>/health/ready</c> once: its HTTP status, and the status and description of one named check.</summary>
    public static async Task<(int HttpStatus, string CheckStatus, string Description)> ReadinessAsync(this WebApplication app, string check)
    {
        using var response = await Http.GetAsync(new Uri(app.Address(), "/health/ready"));
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var entry = body.RootElement.GetProperty("checks").GetProperty(check);
        return ((int)response.StatusCode, entry.GetProperty("status").GetString()!, entry.GetProperty("description").GetString() ?? "");
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 (bus connected, database reachable, …).</summary>
    public static Task WaitUntilReadyAsync(this WebApplication app, TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(async () =>
        {
            try
            {
                using var response = await Http.GetAsync(new Uri(app.Address(), "/health/ready"));
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, timeout ?? TimeSpan.FromSeconds(60), "/health/ready to answer 200");

    /// <summary>
    /// Waits until MassTransit's own readiness check is Healthy: every receive endpoint consumes, so
    /// its queue is declared <em>and bound</em>. A service whose readiness stays red for another reason
    /// (its sink is away) needs this before a test publishes: a message published between the
    /// queue's declaration and its binding goes nowhere.
    /// </summary>
    public static Task WaitUntilConsumingAsync(this WebApplication app, TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(async () =>
        {
            try
            {
                using var response = await Http.GetAsync(new Uri(app.Address(), "/health/ready"));
                using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return body.RootElement.GetProperty("checks").EnumerateObject()
                    .Any(c => c.Name.Contains("masstransit", StringComparison.OrdinalIgnoreCase) && c.Value.GetProperty("status").GetString() == "Healthy");
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, timeout ?? TimeSpan.FromSeconds(60), "the bus to consume (MassTransit's check Healthy)");
}
