using System.Net;
using System.Text.Json.Nodes;
using Eventer.Testing.Tests.Webhooks;
using Eventer.Testing.WeCom;
using Microsoft.Extensions.Time.Testing;

namespace Eventer.Testing.Tests.WeCom;

/// <summary>The fake against a real HttpClient: WeCom's errcodes in HTTP 200 answers, checks, limits and injected faults.</summary>
[Trait("Category", "Unit")]
public sealed class FakeWeComTests : IAsyncLifetime
{
    private const string Key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
    private const string HintTail = @", hint: \[[0-9]{25}\], from ip: 127\.0\.0\.1, more info at https://open\.work\.weixin\.qq\.com/devtool/query\?e=";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly PostClient _client = new();
    private FakeWeCom _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeWeCom.StartAsync(_clock);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    private static JsonObject Message(string msgType, string content) =>
        new() { ["msgtype"] = msgType, [msgType] = new JsonObject { ["content"] = content } };

    private static void AssertError(HttpAnswer answer, int errCode, string text)
    {
        Assert.Equal((HttpStatusCode.OK, errCode), (answer.Status, answer.ErrCode));
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(text) + HintTail + errCode + "$", (string)answer.Json["errmsg"]!);
    }

    [Fact]
    public async Task Accepts_a_text_message_with_errcode_0_and_records_it_with_its_mentions()
    {
        var url = _fake.RegisterRobot(Key);
        var body = Message("text", "广州今日天气：29度");
        body["text"]!["mentioned_list"] = new JsonArray("wangqing");
        body["text"]!["mentioned_mobile_list"] = new JsonArray("13800001111");

        var answer = await _client.PostJsonAsync(url, body);

        Assert.Equal((HttpStatusCode.OK, """{"errcode":0,"errmsg":"ok"}""", "application/json"), (answer.Status, answer.Body, answer.ContentType));
        Assert.EndsWith($"/cgi-bin/webhook/send?key={Key}", url, StringComparison.Ordinal);
        var message = Assert.Single(_fake.Delivered(Key));
        Assert.Equal((Key, "text", "广州今日天气：29度"), (message.Key, message.MsgType, message.Content));
        Assert.Equal(["wangqing"], message.MentionedList);
        Assert.Equal(["13800001111"], message.MentionedMobileList);
        Assert.Equal(body.ToJsonString(), message.RawBody);
        Assert.Equal(_clock.GetUtcNow(), message.ReceivedAt);
        var attempt = Assert.Single(_fake.Attempts(Key));
        Assert.Equal((200, (int?)0, "ok"), (attempt.HttpStatus, attempt.ErrCode, attempt.ErrMsg));
    }

    [Fact]
    public async Task Accepts_markdown_and_markdown_v2()
    {
        var url = _fake.RegisterRobot(Key);

        var markdown = await _client.PostJsonAsync(url, Message("markdown", "**BackOff** <font color=\"warning\">pod</font>"));
        var v2 = await _client.PostJsonAsync(url, Message("markdown_v2", "| a | b |\n|---|---|\n| 1 | 2 |"));

        Assert.Equal([0, 0], new[] { markdown.ErrCode, v2.ErrCode });
        Assert.Equal(["markdown", "markdown_v2"], _fake.Delivered(Key).Select(m => m.MsgType));
        Assert.Empty(_fake.Delivered(Key)[0].MentionedList);
    }

    [Fact]
    public async Task A_missing_or_unknown_key_is_93000_with_the_hint_tail_in_an_http_200()
    {
        _fake.RegisterRobot(Key);

        var unknown = await _client.PostJsonAsync(_fake.WebhookUrl("no-such-robot"), Message("text", "hello"));
        var missing = await _client.PostJsonAsync(new Uri(_fake.Address, "cgi-bin/webhook/send").ToString(), Message("text", "hello"));

        AssertError(unknown, WeComErrors.InvalidWebhookUrl, "invalid webhook url");
        AssertError(missing, WeComErrors.InvalidWebhookUrl, "invalid webhook url");
        Assert.Equal(WeComErrors.InvalidWebhookUrl, Assert.Single(_fake.Attempts("no-such-robot")).ErrCode);
        Assert.Single(_fake.Attempts(""));
        Assert.Empty(_fake.Attempts(Key));
        Assert.Empty(_fake.Delivered("no-such-robot"));
    }

    [Theory]
    [InlineData("{\"text\":{\"content\":\"x\"}}")]
    [InlineData("{\"msgtype\":\"news\",\"news\":{\"articles\":[]}}")]
    [InlineData("{\"msgtype\":\"Text\",\"Text\":{\"content\":\"x\"}}")]
    [InlineData("{\"msg_type\":\"text\",\"content\":{\"text\":\"x\"}}")]
    [InlineData("{\"msgtype\":7}")]
    public async Task An_unknown_msgtype_is_40008(string body)
    {
        var url = _fake.RegisterRobot(Key);

        AssertError(await _client.PostAsync(url, body), WeComErrors.InvalidMessageType, "invalid message type");
        Assert.Empty(_fake.Delivered(Key));
    }

    [Theory]
    [InlineData("{\"msgtype\":\"text\"}")]
    [InlineData("{\"msgtype\":\"text\",\"text\":{}}")]
    [InlineData("{\"msgtype\":\"text\",\"text\":{\"content\":\"\"}}")]
    [InlineData("{\"msgtype\":\"markdown\",\"text\":{\"content\":\"in the wrong section\"}}")]
    [InlineData("{\"msgtype\":\"markdown_v2\",\"markdown_v2\":{\"content\":42}}")]
    public async Task Missing_or_empty_content_is_44004(string body)
    {
        var url = _fake.RegisterRobot(Key);

        AssertError(await _client.PostAsync(url, body), WeComErrors.EmptyContent, "empty content");
        Assert.Empty(_fake.Delivered(Key));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"msgtype\":\"text\",\"text\":{\"content\":\"a\"},\"msgtype\":\"text\"}")]
    public async Task A_body_that_is_not_a_json_object_is_40058(string body)
    {
        var url = _fake.RegisterRobot(Key);

        AssertError(await _client.PostAsync(url, body), WeComErrors.InvalidParameter, "wrong json format. invalid Request Parameter");
        Assert.Equal(body, Assert.Single(_fake.Attempts(Key)).RawBody);
    }

    [Fact]
    public async Task Text_over_2048_utf8_bytes_is_40058()
    {
        var url = _fake.RegisterRobot(Key);

        // 682 three-byte characters and two ASCII: exactly 2,048 bytes, though only 684 characters.
        var atLimit = await _client.PostJsonAsync(url, Message("text", new string('中', 682) + "ab"));
        var over = await _client.PostJsonAsync(url, Message("text", new string('中', 683)));

        Assert.Equal(0, atLimit.ErrCode);
        AssertError(over, WeComErrors.InvalidParameter, "text.content exceed max length 2048. invalid Request Parameter");
        Assert.Single(_fake.Delivered(Key));
    }

    [Theory]
    [InlineData("markdown")]
    [InlineData("markdown_v2")]
    public async Task Markdown_over_4096_utf8_bytes_is_40058(string msgType)
    {
        var url = _fake.RegisterRobot(Key);

        var atLimit = await _client.PostJsonAsync(url, Message(msgType, new string('中', 1365) + "a"));
        var over = await _client.PostJsonAsync(url, Message(msgType, new string('中', 1365) + "ab"));

        Assert.Equal(0, atLimit.ErrCode);
        AssertError(over, WeComErrors.InvalidParameter, $"{msgType}.content exceed max length 4096. invalid Request Parameter");
        Assert.Single(_fake.Delivered(Key));
    }

    [Fact]
    public async Task A_mentioned_list_that_is_not_a_list_of_strings_is_40058()
    {
        var url = _fake.RegisterRobot(Key);
        var body = Message("text", "hello");
        body["text"]!["mentioned_list"] = "@all";

        AssertError(await _client.PostJsonAsync(url, body), WeComErrors.InvalidParameter, "invalid Request Parameter");
    }

    [Fact]
    public async Task Twenty_a_minute_then_45009_in_an_http_200_and_the_window_slides()
    {
        var url = _fake.RegisterRobot(Key);
        _fake.RegisterRobot("other");

        for (var i = 0; i < FakeWeCom.MessagesPerWindow; i++)
        {
            Assert.Equal(0, (await _client.PostJsonAsync(url, Message("text", $"message {i}"))).ErrCode);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var tooFast = await _client.PostJsonAsync(url, Message("text", "message 20"));
        var otherRobot = await _client.PostJsonAsync(_fake.WebhookUrl("other"), Message("text", "elsewhere"));
        // 60 s after the first: it has left the window, so one more fits, then the limit again.
        _clock.Advance(TimeSpan.FromSeconds(40));
        var oneMore = await _client.PostJsonAsync(url, Message("text", "message 21"));
        var limitedAgain = await _client.PostJsonAsync(url, Message("text", "message 22"));

        AssertError(tooFast, WeComErrors.FreqOutOfLimit, "api freq out of limit");
        Assert.Equal(0, otherRobot.ErrCode);
        Assert.Equal(0, oneMore.ErrCode);
        Assert.Equal(WeComErrors.FreqOutOfLimit, limitedAgain.ErrCode);
        Assert.Equal(21, _fake.Delivered(Key).Count);
        Assert.Equal(23, _fake.Attempts(Key).Count);
    }

    [Fact]
    public async Task One_every_three_seconds_sustained_is_never_limited()
    {
        var url = _fake.RegisterRobot(Key);

        for (var i = 0; i < 3 * FakeWeCom.MessagesPerWindow; i++)
        {
            Assert.Equal(0, (await _client.PostJsonAsync(url, Message("text", $"message {i}"))).ErrCode);
            _clock.Advance(TimeSpan.FromSeconds(3));
        }
    }

    [Fact]
    public async Task Rejected_messages_do_not_count_toward_the_limit()
    {
        var url = _fake.RegisterRobot(Key);

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(WeComErrors.EmptyContent, (await _client.PostJsonAsync(url, Message("text", ""))).ErrCode);
        }

        Assert.Equal(0, (await _client.PostJsonAsync(url, Message("text", "real"))).ErrCode);
    }

    [Fact]
    public async Task Concurrent_senders_get_exactly_twenty_through()
    {
        var url = _fake.RegisterRobot(Key);

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => _client.PostJsonAsync(url, Message("text", $"message {i}"))));

        Assert.Equal(20, answers.Count(a => a.ErrCode == 0));
        Assert.Equal(10, answers.Count(a => a.ErrCode == WeComErrors.FreqOutOfLimit));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(20, _fake.Delivered(Key).Count);
    }

    [Fact]
    public async Task Injected_errcodes_and_statuses_answer_the_next_requests_then_it_recovers()
    {
        var url = _fake.RegisterRobot(Key);
        _fake.FailNext(WeComErrors.SystemBusy, "system busy", count: 2);
        _fake.RespondWithHttpStatus(503);

        var answers = new List<HttpAnswer>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await _client.PostJsonAsync(url, Message("text", $"message {i}")));
        }

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "text/html"), (answers[0].Status, answers[0].ContentType));
        Assert.Equal("""{"errcode":-1,"errmsg":"system busy"}""", answers[1].Body);
        Assert.Equal(WeComErrors.SystemBusy, answers[2].ErrCode);
        Assert.Equal(0, answers[3].ErrCode);
        Assert.Equal("message 3", Assert.Single(_fake.Delivered(Key)).Content);
        Assert.Equal([(503, (int?)null), (200, -1), (200, -1), (200, 0)], _fake.Attempts(Key).Select(a => (a.HttpStatus, a.ErrCode)));
    }

    [Fact]
    public async Task A_slow_answer_times_the_client_out_though_the_message_was_delivered_and_a_drop_records_nothing()
    {
        var url = _fake.RegisterRobot(Key);
        _fake.ResponseDelay = TimeSpan.FromMinutes(5);

        // The client gives up only once the fake has the message (a fixed 300 ms could run out, on a
        // loaded machine, before the request was even read): recorded, unanswered, then abandoned.
        using var giveUp = new CancellationTokenSource();
        var slow = _client.PostJsonAsync(url, Message("text", "slow"), giveUp.Token);
        await Eventually.HoldsAsync(() => _fake.Delivered(Key).Count == 1, TimeSpan.FromSeconds(10), "the slow message to be recorded");
        Assert.False(slow.IsCompleted, "the slow message was answered");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        _fake.ResponseDelay = TimeSpan.Zero;
        _fake.DropNextConnections(1);
        await Assert.ThrowsAsync<HttpRequestException>(() => _client.PostJsonAsync(url, Message("text", "dropped")));

        Assert.Equal(0, (await _client.PostJsonAsync(url, Message("text", "fast"))).ErrCode);
        Assert.Equal(["slow", "fast"], _fake.Delivered(Key).Select(m => m.Content));
        Assert.Equal(2, _fake.Attempts(Key).Count);
    }

    [Fact]
    public void Live_markup_finds_mentions_colours_at_all_links_and_mention_lists()
    {
        var text = Message("text", "pod <@wangqing> failed @all <font color=\"warning\">x</font> [a](b)");
        text["text"]!["mentioned_list"] = new JsonArray("wangqing", "@all");
        text["text"]!["mentioned_mobile_list"] = new JsonArray();
        var markdown = Message("markdown", "<@zhangsan> [click](https://evil.example)");
        var v2 = Message("markdown_v2", "<@zhangsan> <font color=\"info\">x</font> [a](b)");

        Assert.Equal(
            [
                ("$.text.content", "<@", "<@wangqing>"),
                ("$.text.content", "<font", "<font color=\"warning\">"),
                ("$.text.content", "@all", "@all"),
                ("$.text.mentioned_list", "mentioned_list", "[\"wangqing\",\"@all\"]"),
                ("$.text.mentioned_list", "@all", "@all"),
            ],
            FakeWeCom.LiveMarkup(text).Select(f => (f.Path, f.Kind, f.Match)));
        Assert.Equal(
            [("$.markdown.content", "<@", "<@zhangsan>"), ("$.markdown.content", "link", "[click](https://evil.example)")],
            FakeWeCom.LiveMarkup(markdown).Select(f => (f.Path, f.Kind, f.Match)));
        // markdown_v2 parses neither <@ nor colours, but a <font> there still means '<' was not neutralised.
        Assert.Equal(
            [("$.markdown_v2.content", "<font", "<font color=\"info\">"), ("$.markdown_v2.content", "link", "[a](b)")],
            FakeWeCom.LiveMarkup(v2).Select(f => (f.Path, f.Kind, f.Match)));
    }

    [Fact]
    public void Neutralised_text_has_no_live_markup()
    {
        var message = Message("markdown", "**BackOff** ＜@wangqing＞ @\u200Ball [a]\u200B(b)");

        Assert.Empty(FakeWeCom.LiveMarkup(message));
    }
}
