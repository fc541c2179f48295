using System.Net;
using System.Text.Json.Nodes;
using Eventer.Testing.DingTalk;

namespace Eventer.Testing.Tests.DingTalk;

/// <summary>The fake against a real HttpClient: DingTalk's answers, checks, limits and injected faults.</summary>
[Trait("Category", "Unit")]
public sealed class FakeDingTalkTests : IAsyncLifetime
{
    private const string Token = "robot-token";
    private const string Secret = "SEC0123456789abcdef";

    private readonly ManualClock _clock = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly RobotClient _client = new();
    private FakeDingTalk _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeDingTalk.StartAsync(_clock);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Accepts_a_markdown_message_and_records_it_with_its_mentions()
    {
        _fake.AddRobot(Token);

        var answer = await _client.SendAsync(_fake.WebhookUrl(Token), RobotClient.Markdown(
            "BackOff", "**BackOff** pod/api-0", atMobiles: ["13800000000"], atUserIds: ["user-1"], isAtAll: true));

        Assert.Equal(new RobotAnswer(HttpStatusCode.OK, 0, "ok"), answer);
        var message = Assert.Single(_fake.Delivered(Token));
        Assert.Equal(("markdown", "BackOff", "**BackOff** pod/api-0"), (message.MsgType, message.Title, message.Text));
        Assert.Equal(["13800000000"], message.AtMobiles);
        Assert.Equal(["user-1"], message.AtUserIds);
        Assert.True(message.IsAtAll);
        Assert.Equal(_clock.GetUtcNow(), message.ReceivedAt);
        var attempt = Assert.Single(_fake.Attempts(Token));
        Assert.Equal((200, (int?)0), (attempt.HttpStatus, attempt.ErrCode));
    }

    [Fact]
    public async Task Accepts_a_text_message()
    {
        _fake.AddRobot(Token);
        var body = new JsonObject { ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = "hello" } };

        var answer = await _client.SendAsync(_fake.WebhookUrl(Token), body);

        Assert.Equal(0, answer.ErrCode);
        var message = Assert.Single(_fake.Delivered(Token));
        Assert.Equal(("text", (string?)null, "hello", false), (message.MsgType, message.Title, message.Text, message.IsAtAll));
        Assert.Empty(message.AtMobiles);
    }

    [Fact]
    public async Task An_unknown_token_is_300001_and_a_missing_one_300005_both_in_an_http_200()
    {
        _fake.AddRobot(Token);

        var unknown = await _client.SendAsync(_fake.WebhookUrl("no-such-robot"));
        var missing = await _client.SendAsync(new Uri(_fake.Address, "robot/send").ToString());

        Assert.Equal(new RobotAnswer(HttpStatusCode.OK, DingTalkErrors.TokenNotExist, "token is not exist"), unknown);
        Assert.Equal((HttpStatusCode.OK, (int?)DingTalkErrors.TokenInvalid), (missing.Status, missing.ErrCode));
        Assert.Equal(DingTalkErrors.TokenNotExist, Assert.Single(_fake.Attempts("no-such-robot")).ErrCode);
        Assert.Empty(_fake.Delivered("no-such-robot"));
        Assert.Empty(_fake.Attempts(Token));
    }

    [Fact]
    public async Task A_body_that_is_not_a_message_is_40035()
    {
        _fake.AddRobot(Token);
        using var http = new HttpClient();
        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(new Uri(_fake.WebhookUrl(Token)), content);
        var unknownType = await _client.SendAsync(_fake.WebhookUrl(Token), new JsonObject { ["msgtype"] = "carousel" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"errcode\":40035", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(DingTalkErrors.MissingJson, unknownType.ErrCode);
        Assert.Empty(_fake.Delivered(Token));
    }

    [Fact]
    public async Task A_correctly_signed_request_is_accepted_within_an_hour_of_the_clock()
    {
        _fake.AddRobot(Token, secret: Secret);
        var url = _fake.WebhookUrl(Token);

        var now = await _client.SendAsync(RobotClient.Signed(url, Secret, _clock.GetUtcNow()));
        var early = await _client.SendAsync(RobotClient.Signed(url, Secret, _clock.GetUtcNow() - TimeSpan.FromMinutes(59)));
        var late = await _client.SendAsync(RobotClient.Signed(url, Secret, _clock.GetUtcNow() + TimeSpan.FromMinutes(59)));

        Assert.Equal([0, 0, 0], new[] { now.ErrCode, early.ErrCode, late.ErrCode });
        Assert.Equal(3, _fake.Delivered(Token).Count);
    }

    [Fact]
    public async Task A_wrong_or_missing_or_unencoded_sign_is_310000()
    {
        _fake.AddRobot(Token, secret: Secret);
        var url = _fake.WebhookUrl(Token);
        var ms = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        // A timestamp whose signature contains '+', which a client must URL-encode.
        while (!Uri.UnescapeDataString(RobotClient.Sign(Secret, ms)).Contains('+', StringComparison.Ordinal))
        {
            ms++;
        }

        var wrongSecret = await _client.SendAsync(RobotClient.Signed(url, "SECwrong", _clock.GetUtcNow()));
        var unsigned = await _client.SendAsync(url);
        var noTimestamp = await _client.SendAsync($"{url}&sign={RobotClient.Sign(Secret, ms)}");
        var unencoded = await _client.SendAsync($"{url}&timestamp={ms}&sign={Uri.UnescapeDataString(RobotClient.Sign(Secret, ms))}");
        var encoded = await _client.SendAsync($"{url}&timestamp={ms}&sign={RobotClient.Sign(Secret, ms)}");

        foreach (var answer in new[] { wrongSecret, unsigned, noTimestamp, unencoded })
        {
            Assert.Equal(new RobotAnswer(HttpStatusCode.OK, DingTalkErrors.SecurityCheckFailed, "sign not match"), answer);
        }

        Assert.Equal(0, encoded.ErrCode);
        Assert.Single(_fake.Delivered(Token));
        Assert.Equal(5, _fake.Attempts(Token).Count);
    }

    [Fact]
    public async Task A_timestamp_more_than_an_hour_away_is_310000()
    {
        _fake.AddRobot(Token, secret: Secret);
        var url = _fake.WebhookUrl(Token);

        var stale = await _client.SendAsync(RobotClient.Signed(url, Secret, _clock.GetUtcNow() - TimeSpan.FromMinutes(61)));
        var future = await _client.SendAsync(RobotClient.Signed(url, Secret, _clock.GetUtcNow() + TimeSpan.FromMinutes(61)));

        Assert.Equal(new RobotAnswer(HttpStatusCode.OK, DingTalkErrors.SecurityCheckFailed, "timestamp is invalid"), stale);
        Assert.Equal(DingTalkErrors.SecurityCheckFailed, future.ErrCode);
        Assert.Empty(_fake.Delivered(Token));
    }

    [Fact]
    public async Task A_text_without_the_keyword_is_310000()
    {
        _fake.AddRobot(Token, keyword: "[eventer]");
        var url = _fake.WebhookUrl(Token);

        var without = await _client.SendAsync(url, "BackOff pod/api-0");
        var inTitleOnly = await _client.SendAsync(url, RobotClient.Markdown("[eventer] BackOff", "BackOff pod/api-0"));
        var with = await _client.SendAsync(url, "[eventer] BackOff pod/api-0");

        Assert.Equal(new RobotAnswer(HttpStatusCode.OK, DingTalkErrors.SecurityCheckFailed, "keywords not in content"), without);
        Assert.Equal(DingTalkErrors.SecurityCheckFailed, inTitleOnly.ErrCode);
        Assert.Equal(0, with.ErrCode);
        Assert.Equal("[eventer] BackOff pod/api-0", Assert.Single(_fake.Delivered(Token)).Text);
    }

    [Fact]
    public async Task A_text_over_20000_utf8_bytes_is_460101()
    {
        _fake.AddRobot(Token);
        var url = _fake.WebhookUrl(Token);

        var atLimit = await _client.SendAsync(url, new string('a', FakeDingTalk.MaxTextBytes));
        // 6,667 three-byte characters: 20,001 bytes though only 6,667 chars.
        var over = await _client.SendAsync(url, new string('中', 6_667));

        Assert.Equal(0, atLimit.ErrCode);
        Assert.Equal((HttpStatusCode.OK, (int?)DingTalkErrors.MessageTooLong), (over.Status, over.ErrCode));
        Assert.Single(_fake.Delivered(Token));
    }

    [Fact]
    public async Task Twenty_a_minute_then_130101_for_the_throttle_period_then_accepted_again()
    {
        _fake.AddRobot(Token);
        var url = _fake.WebhookUrl(Token);

        for (var i = 0; i < FakeDingTalk.MessagesPerWindow; i++)
        {
            Assert.Equal(0, (await _client.SendAsync(url, $"message {i}")).ErrCode);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var tooFast = await _client.SendAsync(url, "message 20");
        // The window has long passed, but the throttle period has not.
        _clock.Advance(TimeSpan.FromMinutes(9));
        var stillThrottled = await _client.SendAsync(url, "message 21");
        _clock.Advance(TimeSpan.FromMinutes(1));
        var again = await _client.SendAsync(url, "message 22");

        Assert.Equal(new RobotAnswer(HttpStatusCode.OK, DingTalkErrors.SendTooFast, "send too fast, exceed 20 times per minute"), tooFast);
        Assert.Equal(DingTalkErrors.SendTooFast, stillThrottled.ErrCode);
        Assert.Equal(0, again.ErrCode);
        var delivered = _fake.Delivered(Token).Select(m => m.Text).ToList();
        Assert.Equal(21, delivered.Count);
        Assert.DoesNotContain("message 20", delivered);
        Assert.Equal(23, _fake.Attempts(Token).Count);
    }

    [Fact]
    public async Task The_window_slides_so_twenty_a_minute_sustained_is_fine()
    {
        _fake.AddRobot(Token);
        _fake.AddRobot("other");
        var url = _fake.WebhookUrl(Token);

        for (var i = 0; i < 3 * FakeDingTalk.MessagesPerWindow; i++)
        {
            Assert.Equal(0, (await _client.SendAsync(url, $"message {i}")).ErrCode);
            _clock.Advance(TimeSpan.FromSeconds(3));
        }

        // Each robot has its own limit.
        Assert.Equal(0, (await _client.SendAsync(_fake.WebhookUrl("other"))).ErrCode);
        Assert.Equal(60, _fake.Delivered(Token).Count);
    }

    [Fact]
    public async Task Concurrent_senders_get_exactly_twenty_through()
    {
        _fake.AddRobot(Token);
        var url = _fake.WebhookUrl(Token);

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => _client.SendAsync(url, $"message {i}")));

        Assert.Equal(20, answers.Count(a => a.ErrCode == 0));
        Assert.Equal(10, answers.Count(a => a.ErrCode == DingTalkErrors.SendTooFast));
        Assert.Equal(20, _fake.Delivered(Token).Count);
        Assert.Equal(30, _fake.Attempts(Token).Count);
    }

    [Fact]
    public async Task Injected_errcodes_answer_the_next_requests_then_it_recovers()
    {
        _fake.AddRobot(Token);
        var url = _fake.WebhookUrl(Token);
        _fake.FailNext(DingTalkErrors.SystemBusy, "system busy", count: 2);
        _fake.FailNext(410100, "send too fast");

        var answers = new List<RobotAnswer>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await _client.SendAsync(url, $"message {i}"));
        }

        Assert.Equal(
            [new(HttpStatusCode.OK, -1, "system busy"), new(HttpStatusCode.OK, -1, "system busy"), new(HttpStatusCode.OK, 410100, "send too fast"), new(HttpStatusCode.OK, 0, "ok")],
            answers);
        Assert.Equal("message 3", Assert.Single(_fake.Delivered(Token)).Text);
        Assert.Equal([-1, -1, 410100, 0], _fake.Attempts(Token).Select(a => a.ErrCode ?? int.MinValue));
    }

    [Fact]
    public async Task Injected_http_statuses_come_without_a_json_body_then_it_recovers()
    {
        _fake.AddRobot(Token);
        var url = _fake.WebhookUrl(Token);
        _fake.RespondWithHttpStatus(502);
        _fake.RespondWithHttpStatus(503);

        var first = await _client.SendAsync(url);
        var second = await _client.SendAsync(url);
        var third = await _client.SendAsync(url);

        Assert.Equal(new RobotAnswer(HttpStatusCode.BadGateway, null, null), first);
        Assert.Equal(new RobotAnswer(HttpStatusCode.ServiceUnavailable, null, null), second);
        Assert.Equal(new RobotAnswer(HttpStatusCode.OK, 0, "ok"), third);
        Assert.Single(_fake.Delivered(Token));
        Assert.Equal([502, 503, 200], _fake.Attempts(Token).Select(a => a.HttpStatus));
    }

    [Fact]
    public async Task A_slow_answer_times_the_client_out_though_the_message_was_delivered()
    {
        _fake.AddRobot(Token);
        var url = _fake.WebhookUrl(Token);
        _fake.ResponseDelay = TimeSpan.FromMinutes(5);

        // The client gives up only once the fake has the message (a fixed 300 ms could run out, on a
        // loaded machine, before the request was even read): recorded, unanswered, then abandoned.
        using var giveUp = new CancellationTokenSource();
        var slow = _client.SendAsync(url, RobotClient.Markdown("slow", "slow"), giveUp.Token);
        await Eventually.HoldsAsync(() => _fake.Delivered(Token).Count == 1, TimeSpan.FromSeconds(10), "the slow message to be recorded");
        Assert.False(slow.IsCompleted, "the slow message was answered");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);

        _fake.ResponseDelay = TimeSpan.Zero;
        Assert.Equal(0, (await _client.SendAsync(url)).ErrCode);
        Assert.Equal(2, _fake.Delivered(Token).Count);
    }
}
