using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Eventer.Testing.DingTalk;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

[Trait("Category", "Integration")]
public sealed class DingTalkClientTests
{
    private const string Token = "robot-token";
    private const string Secret = "SECdeadbeef0123456789";

    private static readonly RenderedAlert Alert = new(
        "Warning BackOff: Pod web-0",
        "#### ⚠️ Warning · BackOff\n\n> Back-off restarting failed container\n\n@13800000000 @manager01",
        new Mentions(["13800000000"], ["manager01"], false));

    [Fact]
    public async Task A_signed_markdown_message_is_delivered_with_title_text_and_mentions()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token, Secret);

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token), Secret = Secret });

        Assert.Equal(SendResult.Ok, result);
        var message = Assert.Single(fake.Delivered(Token));
        Assert.Equal("markdown", message.MsgType);
        Assert.Equal(Alert.Title, message.Title);
        Assert.Equal(Alert.Text, message.Text);
        Assert.Equal(["13800000000"], message.AtMobiles);
        Assert.Equal(["manager01"], message.AtUserIds);
        Assert.False(message.IsAtAll);
    }

    [Fact]
    public async Task At_all_is_sent()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token);

        await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token) }, Alert with { Mentions = new Mentions([], [], true) });

        Assert.True(Assert.Single(fake.Delivered(Token)).IsAtAll);
    }

    [Fact]
    public async Task A_wrong_secret_is_a_misconfiguration()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token, Secret);

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token), Secret = "SECwrong" });

        Assert.Equal((SendOutcome.Misconfigured, "310000"), (result.Outcome, result.Code));
        Assert.Empty(fake.Delivered(Token));
    }

    [Fact]
    public async Task A_missing_signature_is_a_misconfiguration()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token, Secret);

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token) });

        Assert.Equal((SendOutcome.Misconfigured, "310000"), (result.Outcome, result.Code));
    }

    [Fact]
    public async Task An_unknown_token_is_a_misconfiguration()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token);

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl("nobody") });

        Assert.Equal((SendOutcome.Misconfigured, "300001"), (result.Outcome, result.Code));
        Assert.Single(fake.Attempts("nobody"));
    }

    [Fact]
    public async Task A_message_without_the_robots_keyword_is_a_misconfiguration()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token, keyword: "k8s-alert");

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token) });

        Assert.Equal((SendOutcome.Misconfigured, "310000"), (result.Outcome, result.Code));
        Assert.Contains("keywords not in content", result.Detail);
    }

    [Theory]
    [InlineData(130101, SendOutcome.RateLimited)]
    [InlineData(460101, SendOutcome.TooLong)]
    [InlineData(-1, SendOutcome.Transient)]
    public async Task Errcodes_in_the_answer_decide_the_outcome(int errCode, SendOutcome outcome)
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token);
        fake.FailNext(errCode, "injected");

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token) });

        Assert.Equal((outcome, errCode.ToString(System.Globalization.CultureInfo.InvariantCulture)), (result.Outcome, result.Code));
        Assert.Equal($"errcode {errCode}: injected", result.Detail);
        Assert.Empty(fake.Delivered(Token));
    }

    [Fact]
    public async Task A_gateway_503_is_transient()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token);
        fake.RespondWithHttpStatus(503);

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token) });

        Assert.Equal((SendOutcome.Transient, "http_503"), (result.Outcome, result.Code));
    }

    [Fact]
    public async Task Http_429_is_a_rate_limit()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token);
        fake.RespondWithHttpStatus(429);

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token) });

        Assert.Equal((SendOutcome.RateLimited, "http_429"), (result.Outcome, result.Code));
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_transient()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token);
        fake.ResponseDelay = TimeSpan.FromSeconds(5);

        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Send(fake, new RobotOptions { Webhook = fake.WebhookUrl(Token) }, timeout: TimeSpan.FromMilliseconds(500));

        Assert.Equal((SendOutcome.Transient, "timeout"), (result.Outcome, result.Code));
        Assert.Equal("no answer within 0.5 s", result.Detail);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the client waited {clock.Elapsed}");
    }

    [Fact]
    public async Task A_caller_cancelling_is_not_reported_as_a_timeout()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot(Token);
        fake.ResponseDelay = TimeSpan.FromSeconds(5);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new DingTalkClient(http, TimeProvider.System).SendAsync("ops", new RobotOptions { Webhook = fake.WebhookUrl(Token) }, Alert, cancel.Token));
    }

    private static async Task<SendResult> Send(FakeDingTalk fake, RobotOptions robot, RenderedAlert? alert = null, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        var client = new DingTalkClient(http, TimeProvider.System);
        return await client.SendAsync("ops", robot, alert ?? Alert, CancellationToken.None);
    }
}
