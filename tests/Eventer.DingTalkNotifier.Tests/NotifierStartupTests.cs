using Eventer.ServiceDefaults;
using Eventer.Testing;
using Eventer.Testing.Fixtures;

namespace Eventer.DingTalkNotifier.Tests;

[Trait("Category", "Integration")]
public sealed class NotifierStartupTests
{
    private const string Token = "0123456789abcdef-secret-token";

    [Theory]
    [InlineData("DingTalk:Robots:ops:Webhook", "ftp://oapi.dingtalk.com/robot/send?access_token=" + Token,
        "DingTalk:Robots:ops:Webhook: is not an absolute http(s) URL")]
    [InlineData("DingTalk:Routes:0:Match:Message", "probe (failed",
        "DingTalk:Routes:0:Match:Message: route 'probes': 'probe (failed' is not a valid regular expression")]
    [InlineData("DingTalk:Routes:0:Robot", "nobody", "DingTalk:Routes:0:Robot: route 'probes': names robot 'nobody', which is not configured")]
    [InlineData("DingTalk:TimeZone", "Mars/Olympus_Mons", "DingTalk:TimeZone: 'Mars/Olympus_Mons' is not a known time zone")]
    public async Task A_bad_setting_stops_the_notifier_with_one_line_naming_the_key(string key, string value, string expected)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("dingtalk");
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dingtalk");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = postgres,
            ["DingTalk:Robots:ops:Webhook"] = "https://oapi.dingtalk.com/robot/send?access_token=" + Token,
            ["DingTalk:Robots:ops:Secret"] = "SEC-do-not-print",
            ["DingTalk:Routes:0:Name"] = "probes",
            ["DingTalk:Routes:0:Match:Reason"] = "Unhealthy",
            ["DingTalk:Routes:0:Robot"] = "ops",
            [key] = value,
        };
        var error = new StringWriter();

        var exitCode = await EventerHost.RunAsync(NotifierHost.ServiceName, () => NotifierHost.Build([], b => b.UseTestSettings(settings)), error);

        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.StartsWith($"dingtalk-notifier: cannot start: {expected}", line);
        Assert.DoesNotContain(Token, line);
        Assert.DoesNotContain("SEC-do-not-print", line);
    }
}
