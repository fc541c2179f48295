using Eventer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Eventer.ServiceDefaults.Tests;

/// <summary>A bad setting stops a service at start with one line naming the key — and never its secret.</summary>
[Trait("Category", "Unit")]
public sealed class StartupConfigurationTests
{
    [Theory]
    [InlineData("not a uri")]
    [InlineData("http://guest:hunter2@localhost:5672/")]
    [InlineData("amqp://guest:hunter2@:5672/")]
    public async Task A_malformed_broker_address_names_the_key_and_hides_the_password(string connectionString)
    {
        var (exitCode, output) = await RunAsync(new() { ["ConnectionStrings:rabbitmq"] = connectionString });

        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.Equal("test-service: cannot start: ConnectionStrings:rabbitmq: must be an amqp:// or amqps:// URI such as amqp://user:password@host:5672/vhost", output);
        Assert.DoesNotContain("hunter2", output);
    }

    [Fact]
    public async Task An_option_out_of_range_names_the_key()
    {
        var (exitCode, output) = await RunAsync(new() { ["Bus:PrefetchCount"] = "0" });

        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.StartsWith("test-service: cannot start: Bus:PrefetchCount: ", output);
        Assert.Contains("between 1 and 10000", output);
    }

    [Fact]
    public async Task A_value_that_does_not_convert_names_the_key()
    {
        var (exitCode, output) = await RunAsync(new() { ["Bus:RetryLimit"] = "three" });

        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("'Bus:RetryLimit'", output);
    }

    [Fact]
    public async Task Several_bad_options_are_reported_together_on_one_line()
    {
        var (exitCode, output) = await RunAsync(new() { ["Bus:PrefetchCount"] = "0", ["Bus:Queue"] = "no spaces allowed" });

        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("Bus:PrefetchCount", output);
        Assert.Contains("Bus:Queue", output);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public async Task A_missing_broker_address_stops_the_service_with_one_line(string? connectionString)
    {
        var (exitCode, output) = await RunAsync(new() { ["ConnectionStrings:rabbitmq"] = connectionString });

        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.Equal("test-service: cannot start: ConnectionStrings:rabbitmq: is required, e.g. amqp://eventer:…@rabbitmq:5672/", output);
    }

    [Theory]
    [InlineData("eighty")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    public void A_port_that_is_no_tcp_port_is_refused_naming_the_key(string port)
    {
        var ex = Assert.Throws<EventerConfigurationException>(() => ServiceDefaultsExtensions.HttpPort(Configuration(port)));

        Assert.Equal("Http:Port: must be a TCP port, 1-65535", ex.Message);
    }

    [Theory]
    [InlineData(null, ServiceDefaultsExtensions.DefaultPort)]
    [InlineData("", ServiceDefaultsExtensions.DefaultPort)]
    [InlineData("9090", 9090)]
    public void The_port_is_http_port_or_the_default(string? port, int expected)
    {
        Assert.Equal(expected, ServiceDefaultsExtensions.HttpPort(Configuration(port)));
    }

    [Fact]
    public async Task A_bad_port_stops_the_service_with_one_line_when_no_urls_are_given()
    {
        // Without urls the service binds Http:Port; bounded, since a service that took the value would run on.
        var (exitCode, output) = await RunAsync(new() { ["urls"] = "", ["Http:Port"] = "eighty" }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.Equal("test-service: cannot start: Http:Port: must be a TCP port, 1-65535", output);
    }

    private static IConfiguration Configuration(string? port) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Http:Port"] = port }).Build();

    [Fact]
    public void Rabbitmq_uri_parts_are_read()
    {
        var parsed = RabbitMqConnection.Parse("amqps://eventer:p%40ss@broker.example:5671/prod%2Fevents");
        var plain = RabbitMqConnection.Parse("amqp://rabbitmq");

        Assert.Equal(new RabbitMqConnection("broker.example", 5671, "prod/events", "eventer", "p@ss", true), parsed);
        Assert.Equal(new RabbitMqConnection("rabbitmq", 5672, "/", "guest", "guest", false), plain);
        Assert.DoesNotContain("p@ss", parsed.ToString());
    }

    /// <summary>Runs a minimal service through <see cref="EventerHost"/>; returns its exit code and the single line it wrote.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(Dictionary<string, string?> settings)
    {
        var error = new StringWriter();
        var exitCode = await EventerHost.RunAsync("test-service", () =>
        {
            var builder = WebApplication.CreateBuilder();
            builder.UseTestSettings(new Dictionary<string, string?> { ["ConnectionStrings:rabbitmq"] = "amqp://guest:guest@127.0.0.1:5672/" });
            builder.UseTestSettings(settings);
            builder.AddServiceDefaults("test-service");
            builder.AddEventerBus("test-queue");
            var app = builder.Build();
            app.MapServiceDefaults();
            return app;
        }, error);

        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (exitCode, Assert.Single(lines));
    }
}
