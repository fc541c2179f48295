using Eventer.ServiceDefaults;
using Eventer.Testing;

namespace Eventer.Collector.Tests;

/// <summary>A bad collector setting stops it at start with one line naming the key.</summary>
[Trait("Category", "Unit")]
public sealed class CollectorStartupTests
{
    /// <summary>A setting, a bad value and what the one line must say (the native build is held to the same: NativeCollectorTests).</summary>
    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Collector:ClusterName", "", "Collector:ClusterName: The ClusterName field is required." },
        { "Collector:ClusterName", "a/b", "Collector:ClusterName: must be 1-100 letters" },
        { "Collector:Api", "events/v2", "Collector:Api: must be 'core/v1' or 'events.k8s.io/v1'" },
        { "Collector:Drop:0:Message", "(unclosed", "Collector:Drop:0:Message: is not a valid regular expression" },
        { "Collector:Outbox:BufferCapacity", "0", "Collector:Outbox:BufferCapacity: The field BufferCapacity must be between" },
        { "Collector:WatchTimeout", "00:00:00", "Collector:WatchTimeout: The field WatchTimeout must be between 00:00:01 and 01:00:00." },
        { "Collector:WatchTimeout", "5 minutes", "'5 minutes' at 'Collector:WatchTimeout'" },
        { "Collector:Outbox:AwaitQueues:0", " ", "Collector:Outbox:AwaitQueues: must not contain empty names" },
        { "Collector:Leadership:RetryPeriod", "00:00:30", "Collector:Leadership:RetryPeriod: must be less than RenewDeadline (00:00:10)" },
        { "Collector:Leadership:Mode", "raft", "'raft' at 'Collector:Leadership:Mode'" },
        { "Collector:Leadership:Mode", "memory", "'memory' at 'Collector:Leadership:Mode'" },
        { "Collector:Leadership:Mode", "2", "Collector:Leadership:Mode: must be 'none' or 'lease'" },
        { "ConnectionStrings:postgres", "not a connection string", "ConnectionStrings:postgres: is not a valid Npgsql connection string" },
        { "ConnectionStrings:postgres", "", "ConnectionStrings:postgres: is required" },
        { "ConnectionStrings:rabbitmq", "", "ConnectionStrings:rabbitmq: is required" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
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
