using Eventer.ServiceDefaults;
using Eventer.Testing;

namespace Eventer.Collector.Tests;

/// <summary>A bad collector setting stops it at start with one line naming the key.</summary>
[Trait("Category", "Unit")]
public sealed class CollectorStartupTests
{
    [Theory]
    [InlineData("Collector:ClusterName", "", "Collector:ClusterName: The ClusterName field is required.")]
    [InlineData("Collector:ClusterName", "a/b", "Collector:ClusterName: must be 1-100 letters")]
    [InlineData("Collector:Api", "events/v2", "Collector:Api: must be 'core/v1' or 'events.k8s.io/v1'")]
    [InlineData("Collector:Drop:0:Message", "(unclosed", "Collector:Drop:0:Message: is not a valid regular expression")]
    [InlineData("Collector:Outbox:BufferCapacity", "0", "Collector:Outbox:BufferCapacity: The field BufferCapacity must be between")]
    [InlineData("Collector:Leadership:Mode", "raft", "'raft' at 'Collector:Leadership:Mode'")]
    [InlineData("Collector:Leadership:Mode", "memory", "'memory' at 'Collector:Leadership:Mode'")]
    [InlineData("Collector:Leadership:Mode", "2", "Collector:Leadership:Mode: must be 'none' or 'lease'")]
    [InlineData("ConnectionStrings:postgres", "not a connection string", "ConnectionStrings:postgres: is not a valid Npgsql connection string")]
    [InlineData("ConnectionStrings:postgres", "", "ConnectionStrings:postgres: is required")]
    [InlineData("ConnectionStrings:rabbitmq", "", "ConnectionStrings:rabbitmq: is required")]
    public async Task A_bad_setting_names_its_key(string key, string value, string expected)
    {
        var error = new StringWriter();

        var exitCode = await EventerHost.RunAsync(CollectorHost.ServiceName, () => CollectorHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = "Host=127.0.0.1;Port=1;Database=x",
            ["ConnectionStrings:rabbitmq"] = "amqp://guest:guest@127.0.0.1:1/",
            ["Collector:ClusterName"] = "unit",
            [key] = value,
        })), error);

        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.Contains(expected, line);
        Assert.StartsWith("collector: cannot start: ", line);
    }
}
