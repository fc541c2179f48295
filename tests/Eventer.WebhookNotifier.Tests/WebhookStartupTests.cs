using Eventer.ServiceDefaults;
using Eventer.Testing;
using Eventer.Testing.Fixtures;

namespace Eventer.WebhookNotifier.Tests;

[Trait("Category", "Integration")]
public sealed class WebhookStartupTests
{
    private const string Url = "https://hooks.slack.com/services/T000/B000/secret-part-of-the-url";

    [Theory]
    [InlineData("Webhook:Targets:ops:Kind", "", "Webhook:Targets:ops:Kind: is required: Slack, Feishu, WeCom or Json")]
    [InlineData("Webhook:Targets:ops:Url", "ftp://hooks.slack.com/services/T000/B000/secret-part-of-the-url", "Webhook:Targets:ops:Url: is not an absolute http(s) URL")]
    [InlineData("Webhook:Targets:ops:Secret", "s3cret-signing-key", "Webhook:Targets:ops:Secret: is only used by Feishu/Lark targets")]
    [InlineData("Webhook:Targets:ops:Template", "{\"text\": {{ message | json }}}", "Webhook:Targets:ops:Template: is only used by Json targets")]
    [InlineData("Webhook:Routes:0:Target", "nobody", "Webhook:Routes:0:Target: route 'probes': names target 'nobody', which is not configured")]
    [InlineData("Webhook:Targets:ops:MessagesPerSecond", "0", "Webhook:Targets:ops:MessagesPerSecond: must be between 1 and 100")]
    public async Task A_bad_setting_stops_the_notifier_with_one_line_naming_the_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("webhook"),
            ["ConnectionStrings:postgres"] = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("webhook"),
            ["Webhook:Targets:ops:Kind"] = "Slack",
            ["Webhook:Targets:ops:Url"] = Url,
            ["Webhook:Routes:0:Name"] = "probes",
            ["Webhook:Routes:0:Match:Reason"] = "Unhealthy",
            ["Webhook:Routes:0:Target"] = "ops",
            [key] = value,
        };
        var error = new StringWriter();

        var exitCode = await EventerHost.RunAsync(WebhookHost.ServiceName, () => WebhookHost.Build([], b => b.UseTestSettings(settings)), error);

        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.StartsWith($"webhook-notifier: cannot start: {expected}", line);
        Assert.DoesNotContain("secret-part-of-the-url", line);
        Assert.DoesNotContain("s3cret-signing-key", line);
    }
}
