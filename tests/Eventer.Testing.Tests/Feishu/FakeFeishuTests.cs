using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Eventer.Testing.Feishu;
using Eventer.Testing.Tests.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace Eventer.Testing.Tests.Feishu;

/// <summary>The fake against a real HttpClient: Feishu's codes, signature, checks, limits and injected faults.</summary>
[Trait("Category", "Unit")]
public sealed class FakeFeishuTests : IAsyncLifetime
{
    private const string Token = "b0d5c7a1-1234-4bcd-9def-0123456789ab";
    private const string Secret = "qV5mSecretForTests";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2020, 3, 1, 8, 7, 0, TimeSpan.Zero));
    private readonly PostClient _client = new();
    private FakeFeishu _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeFeishu.StartAsync(_clock);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    /// <summary>Feishu's documented algorithm, written here apart from the fake: Base64(HMAC-SHA256(key: ts + "\n" + secret, data: empty)).</summary>
    private static string Sign(string secret, string timestamp)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(timestamp + "\n" + secret));
        return Convert.ToBase64String(hmac.ComputeHash([]));
    }

    private static JsonObject Text(string text) =>
        new() { ["msg_type"] = "text", ["content"] = new JsonObject { ["text"] = text } };

    private static JsonObject Signed(JsonObject message, string secret, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        message["timestamp"] = timestamp;
        message["sign"] = Sign(secret, timestamp);
        return message;
    }

    private static JsonObject Post(string title, params JsonNode[] elements) => new()
    {
        ["msg_type"] = "post",
        ["content"] = new JsonObject
        {
            ["post"] = new JsonObject { ["zh_cn"] = new JsonObject { ["title"] = title, ["content"] = new JsonArray(new JsonArray(elements)) } },
        },
    };

    private static JsonObject Card(string markdown) => new()
    {
        ["msg_type"] = "interactive",
        ["card"] = new JsonObject
        {
            ["schema"] = "2.0",
            ["header"] = new JsonObject { ["title"] = new JsonObject { ["tag"] = "plain_text", ["content"] = "BackOff" }, ["template"] = "red" },
            ["body"] = new JsonObject { ["elements"] = new JsonArray(new JsonObject { ["tag"] = "markdown", ["content"] = markdown }) },
        },
    };

    [Fact]
    public async Task Accepts_a_text_message_with_the_exact_success_body_and_records_it()
    {
        var url = _fake.RegisterBot(Token);

        var answer = await _client.PostJsonAsync(url, Text("BackOff 中文 pod/api-0"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("""{"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}""", answer.Body);
        Assert.Equal("application/json", answer.ContentType);
        Assert.Equal(url, _fake.WebhookUrl(Token));
        Assert.EndsWith($"/open-apis/bot/v2/hook/{Token}", url, StringComparison.Ordinal);
        var message = Assert.Single(_fake.Delivered(Token));
        Assert.Equal((Token, "text"), (message.Token, message.MsgType));
        Assert.Equal(["BackOff 中文 pod/api-0"], message.Texts);
        Assert.Equal(Text("BackOff 中文 pod/api-0").ToJsonString(), message.RawBody);
        Assert.Equal(_clock.GetUtcNow(), message.ReceivedAt);
        var attempt = Assert.Single(_fake.Attempts(Token));
        Assert.Equal((200, (int?)0, "success"), (attempt.HttpStatus, attempt.Code, attempt.Msg));
    }

    [Fact]
    public async Task Accepts_post_card_image_and_share_chat_messages_and_records_their_texts_but_no_href()
    {
        var url = _fake.RegisterBot(Token);
        var post = Post("项目更新通知",
            new JsonObject { ["tag"] = "text", ["text"] = "BackOff: " },
            new JsonObject { ["tag"] = "a", ["text"] = "请查看", ["href"] = "https://example.com/pods/api-0" });
        var legacyCard = JsonNode.Parse("""
            {"msg_type":"interactive","card":{"elements":[{"tag":"div","text":{"tag":"lark_md","content":"**BackOff**"}}]}}
            """)!;

        var answers = new[]
        {
            await _client.PostJsonAsync(url, post),
            await _client.PostJsonAsync(url, Card("**BackOff** on default/web-1")),
            await _client.PostJsonAsync(url, legacyCard),
            await _client.PostJsonAsync(url, JsonNode.Parse("""{"msg_type":"image","content":{"image_key":"img_v2_1"}}""")!),
            await _client.PostJsonAsync(url, JsonNode.Parse("""{"msg_type":"share_chat","content":{"share_chat_id":"oc_1"}}""")!),
        };

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, 0), (a.Status, a.Code)));
        var delivered = _fake.Delivered(Token);
        Assert.Equal(["post", "interactive", "interactive", "image", "share_chat"], delivered.Select(m => m.MsgType));
        Assert.Equal(["项目更新通知", "BackOff: ", "请查看"], delivered[0].Texts);
        Assert.Equal(["BackOff", "**BackOff** on default/web-1"], delivered[1].Texts);
        Assert.Equal(["**BackOff**"], delivered[2].Texts);
    }

    [Fact]
    public async Task An_unknown_token_is_19001_in_an_http_200()
    {
        _fake.RegisterBot(Token);

        var answer = await _client.PostJsonAsync(_fake.WebhookUrl("no-such-bot"), Text("hello"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("""{"code":19001,"msg":"param invalid: incoming webhook access token invalid","data":{}}""", answer.Body);
        Assert.Equal(FeishuErrors.TokenInvalid, Assert.Single(_fake.Attempts("no-such-bot")).Code);
        Assert.Empty(_fake.Delivered("no-such-bot"));
        Assert.Empty(_fake.Attempts(Token));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("[{\"msg_type\":\"text\",\"content\":{\"text\":\"x\"}}]")]
    [InlineData("{\"content\":{\"text\":\"x\"}}")]
    [InlineData("{\"msg_type\":\"markdown\",\"content\":{\"text\":\"x\"}}")]
    [InlineData("{\"msg_type\":\"text\",\"content\":{\"text\":\"\"}}")]
    [InlineData("{\"msg_type\":\"text\",\"content\":{\"message\":\"x\"}}")]
    [InlineData("{\"msg_type\":\"text\",\"text\":\"x\"}")]
    [InlineData("{\"msg_type\":\"post\",\"content\":{\"post\":{\"ja_jp\":{\"content\":[]}}}}")]
    [InlineData("{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"title\":\"x\"}}}}")]
    [InlineData("{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"content\":[{\"tag\":\"text\",\"text\":\"x\"}]}}}}")]
    [InlineData("{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"content\":[[{\"tag\":\"a\",\"text\":\"x\",\"href\":\"not a url\"}]]}}}}")]
    [InlineData("{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"content\":[[{\"tag\":\"blink\",\"text\":\"x\"}]]}}}}")]
    [InlineData("{\"msg_type\":\"interactive\",\"content\":{\"card\":{}}}")]
    [InlineData("{\"msg_type\":\"interactive\",\"card\":\"{}\"}")]
    public async Task A_body_that_is_not_a_known_message_is_http_400_code_9499(string body)
    {
        var url = _fake.RegisterBot(Token);

        var answer = await _client.PostAsync(url, body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("""{"code":9499,"msg":"Bad Request","data":{}}""", answer.Body);
        Assert.Empty(_fake.Delivered(Token));
        var attempt = Assert.Single(_fake.Attempts(Token));
        Assert.Equal((400, (int?)9499, body), (attempt.HttpStatus, attempt.Code, attempt.RawBody));
    }

    [Fact]
    public async Task A_body_over_20000_bytes_is_9499_and_one_of_exactly_20000_is_accepted()
    {
        var url = _fake.RegisterBot(Token);
        string BodyOf(int bytes)
        {
            var shell = Text("").ToJsonString();
            // Chinese is three bytes a character: the limit is on bytes, not characters.
            var padding = bytes - Encoding.UTF8.GetByteCount(shell);
            var text = new string('中', padding / 3) + new string('a', padding % 3);
            var body = Text(text).ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            Assert.Equal(bytes, Encoding.UTF8.GetByteCount(body));
            return body;
        }

        var atLimit = await _client.PostAsync(url, BodyOf(FakeFeishu.MaxBodyBytes));
        var over = await _client.PostAsync(url, BodyOf(FakeFeishu.MaxBodyBytes + 1));

        Assert.Equal((HttpStatusCode.OK, 0), (atLimit.Status, atLimit.Code));
        Assert.Equal((HttpStatusCode.BadRequest, FeishuErrors.BadRequest), (over.Status, over.Code));
        Assert.Single(_fake.Delivered(Token));
    }

    [Fact]
    public async Task The_documented_test_vector_is_accepted_at_its_time()
    {
        _clock.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(1599360473));
        var url = _fake.RegisterBot(Token, secret: "demo");
        var body = Text("hello");
        body["timestamp"] = "1599360473";
        body["sign"] = "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=";

        var answer = await _client.PostJsonAsync(url, body);

        Assert.Equal("l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=", Sign("demo", "1599360473"));
        Assert.Equal((HttpStatusCode.OK, 0), (answer.Status, answer.Code));
        Assert.Single(_fake.Delivered(Token));
    }

    [Fact]
    public async Task The_dingtalk_style_signature_is_19021()
    {
        _clock.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(1599360473));
        var url = _fake.RegisterBot(Token, secret: "demo");
        var literal = Text("hello");
        literal["timestamp"] = "1599360473";
        literal["sign"] = "DkEDUyVoOOJ539qBvUgMyzkzIdRWlf4e/V3Rq+ONJnQ=";
        // Key = secret, data = timestamp + "\n" + secret: DingTalk's algorithm, and some SDKs' mistake.
        var computed = Text("hello");
        computed["timestamp"] = "1599360473";
        computed["sign"] = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("demo"), Encoding.UTF8.GetBytes("1599360473\ndemo")));

        var answers = new[] { await _client.PostJsonAsync(url, literal), await _client.PostJsonAsync(url, computed) };

        Assert.Equal("DkEDUyVoOOJ539qBvUgMyzkzIdRWlf4e/V3Rq+ONJnQ=", (string?)computed["sign"]);
        Assert.All(answers, a => Assert.Equal(
            """{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time","data":{}}""", a.Body));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Empty(_fake.Delivered(Token));
    }

    [Fact]
    public async Task A_signed_message_within_an_hour_either_side_is_accepted()
    {
        var url = _fake.RegisterBot(Token, secret: Secret);
        var now = _clock.GetUtcNow();

        var answers = new[]
        {
            await _client.PostJsonAsync(url, Signed(Text("now"), Secret, now)),
            await _client.PostJsonAsync(url, Signed(Text("early"), Secret, now - TimeSpan.FromMinutes(59))),
            await _client.PostJsonAsync(url, Signed(Text("late"), Secret, now + TimeSpan.FromMinutes(59))),
        };

        Assert.Equal([0, 0, 0], answers.Select(a => a.Code));
        Assert.Equal(3, _fake.Delivered(Token).Count);
    }

    [Fact]
    public async Task A_wrong_missing_stale_or_millisecond_signature_is_19021()
    {
        var url = _fake.RegisterBot(Token, secret: Secret);
        var now = _clock.GetUtcNow();
        var milliseconds = Text("ms");
        milliseconds["timestamp"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        milliseconds["sign"] = Sign(Secret, (string)milliseconds["timestamp"]!);
        var number = Text("number");
        number["timestamp"] = now.ToUnixTimeSeconds();
        number["sign"] = Sign(Secret, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var noSign = Text("no sign");
        noSign["timestamp"] = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var inQuery = Text("query");

        var answers = new[]
        {
            await _client.PostJsonAsync(url, Signed(Text("wrong secret"), "not-the-secret", now)),
            await _client.PostJsonAsync(url, Text("unsigned")),
            await _client.PostJsonAsync(url, noSign),
            await _client.PostJsonAsync(url, Signed(Text("stale"), Secret, now - TimeSpan.FromMinutes(61))),
            await _client.PostJsonAsync(url, Signed(Text("future"), Secret, now + TimeSpan.FromMinutes(61))),
            await _client.PostJsonAsync(url, milliseconds),
            await _client.PostJsonAsync(url, number),
            // DingTalk puts them in the URL; Feishu reads only the body.
            await _client.PostJsonAsync(
                $"{url}?timestamp={now.ToUnixTimeSeconds()}&sign={Uri.EscapeDataString(Sign(Secret, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)))}",
                inQuery),
        };

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, FeishuErrors.SignMismatch), (a.Status, a.Code)));
        Assert.Empty(_fake.Delivered(Token));
        Assert.Equal(8, _fake.Attempts(Token).Count);
    }

    [Fact]
    public async Task A_message_without_a_keyword_in_any_text_title_or_content_is_19024()
    {
        var url = _fake.RegisterBot(Token, keywords: ["[eventer]", "告警"]);
        var inHrefOnly = Post("BackOff",
            new JsonObject { ["tag"] = "a", ["text"] = "pod", ["href"] = "https://example.com/[eventer]" });

        var without = await _client.PostJsonAsync(url, Text("BackOff pod/api-0"));
        var hrefOnly = await _client.PostJsonAsync(url, inHrefOnly);
        var inText = await _client.PostJsonAsync(url, Text("[eventer] BackOff"));
        var inTitle = await _client.PostJsonAsync(url, Post("告警 BackOff", new JsonObject { ["tag"] = "text", ["text"] = "pod" }));
        var inCard = await _client.PostJsonAsync(url, Card("**BackOff** [eventer]"));

        Assert.Equal(HttpStatusCode.OK, without.Status);
        Assert.Equal("""{"code":19024,"msg":"Key Words Not Found","data":{}}""", without.Body);
        Assert.Equal(FeishuErrors.KeywordsNotFound, hrefOnly.Code);
        Assert.Equal([0, 0, 0], new[] { inText.Code, inTitle.Code, inCard.Code });
        Assert.Equal(3, _fake.Delivered(Token).Count);
    }

    [Fact]
    public async Task Five_a_second_then_11232_and_the_second_slides()
    {
        var url = _fake.RegisterBot(Token);

        var first = new List<HttpAnswer>();
        for (var i = 0; i < FakeFeishu.MessagesPerSecond; i++)
        {
            first.Add(await _client.PostJsonAsync(url, Text($"message {i}")));
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        var sixth = await _client.PostJsonAsync(url, Text("message 5"));
        // One second after the first message, it has left the window: one more fits, not two.
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        var afterFirstLeft = await _client.PostJsonAsync(url, Text("message 6"));
        var stillFull = await _client.PostJsonAsync(url, Text("message 7"));

        Assert.All(first, a => Assert.Equal(0, a.Code));
        Assert.Equal(HttpStatusCode.OK, sixth.Status);
        Assert.Equal("""{"code":11232,"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]","data":{}}""", sixth.Body);
        Assert.Equal(0, afterFirstLeft.Code);
        Assert.Equal(FeishuErrors.FrequencyLimited, stillFull.Code);
        Assert.Equal(6, _fake.Delivered(Token).Count);
    }

    [Fact]
    public async Task A_hundred_a_minute_then_11232_though_each_second_is_under_five()
    {
        var url = _fake.RegisterBot(Token);
        _fake.RegisterBot("other");

        for (var i = 0; i < FakeFeishu.MessagesPerMinute; i++)
        {
            Assert.Equal(0, (await _client.PostJsonAsync(url, Text($"message {i}"))).Code);
            _clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        // 50 s in: two a second all along, but a hundred this minute.
        var overMinute = await _client.PostJsonAsync(url, Text("message 100"));
        var otherBot = await _client.PostJsonAsync(_fake.WebhookUrl("other"), Text("elsewhere"));
        _clock.Advance(TimeSpan.FromSeconds(10));
        var firstLeft = await _client.PostJsonAsync(url, Text("message 101"));

        Assert.Equal(FeishuErrors.FrequencyLimited, overMinute.Code);
        Assert.Equal(0, otherBot.Code);
        Assert.Equal(0, firstLeft.Code);
        Assert.Equal(101, _fake.Delivered(Token).Count);
    }

    [Fact]
    public async Task Concurrent_senders_get_exactly_five_through_in_one_second()
    {
        var url = _fake.RegisterBot(Token);

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => _client.PostJsonAsync(url, Text($"message {i}"))));

        Assert.Equal(5, answers.Count(a => a.Code == 0));
        Assert.Equal(7, answers.Count(a => a.Code == FeishuErrors.FrequencyLimited));
        Assert.Equal(5, _fake.Delivered(Token).Count);
        Assert.Equal(12, _fake.Attempts(Token).Count);
    }

    [Fact]
    public async Task A_half_hour_storm_answers_11232_just_after_the_full_and_half_hour()
    {
        var url = _fake.RegisterBot(Token);
        _fake.HalfHourStorm = TimeSpan.FromSeconds(10);

        async Task<int> At(int hour, int minute, int second)
        {
            _clock.SetUtcNow(new DateTimeOffset(2025, 3, 1, hour, minute, second, TimeSpan.Zero));
            return (await _client.PostJsonAsync(url, Text($"{hour}:{minute}:{second}"))).Code;
        }

        Assert.Equal(FeishuErrors.FrequencyLimited, await At(10, 0, 0));
        Assert.Equal(FeishuErrors.FrequencyLimited, await At(10, 0, 9));
        Assert.Equal(0, await At(10, 0, 10));
        Assert.Equal(0, await At(10, 29, 59));
        Assert.Equal(FeishuErrors.FrequencyLimited, await At(17, 30, 5));
        Assert.Equal(0, await At(17, 31, 0));
    }

    [Fact]
    public async Task Injected_codes_and_statuses_answer_the_next_requests_then_it_recovers()
    {
        var url = _fake.RegisterBot(Token);
        _fake.FailNext(FeishuErrors.InternalError, "internal error", count: 2);
        _fake.RespondWithHttpStatus(502);

        var answers = new List<HttpAnswer>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await _client.PostJsonAsync(url, Text($"message {i}")));
        }

        Assert.Equal((HttpStatusCode.BadGateway, "text/html"), (answers[0].Status, answers[0].ContentType));
        Assert.Equal("""{"code":2200,"msg":"internal error","data":{}}""", answers[1].Body);
        Assert.Equal(FeishuErrors.InternalError, answers[2].Code);
        Assert.Equal(0, answers[3].Code);
        Assert.Equal(["message 3"], Assert.Single(_fake.Delivered(Token)).Texts);
        Assert.Equal([(502, (int?)null), (200, 2200), (200, 2200), (200, 0)], _fake.Attempts(Token).Select(a => (a.HttpStatus, a.Code)));
    }

    [Fact]
    public async Task Registering_again_replaces_the_settings_and_keeps_the_record()
    {
        var url = _fake.RegisterBot(Token, secret: Secret, keywords: ["kw"]);
        Assert.Equal(FeishuErrors.SignMismatch, (await _client.PostJsonAsync(url, Text("kw unsigned"))).Code);
        Assert.Equal(0, (await _client.PostJsonAsync(url, Signed(Text("kw signed"), Secret, _clock.GetUtcNow()))).Code);

        _fake.RegisterBot(Token);
        var plain = await _client.PostJsonAsync(url, Text("no keyword, unsigned"));

        Assert.Equal(0, plain.Code);
        Assert.Equal(2, _fake.Delivered(Token).Count);
    }

    [Fact]
    public async Task A_slow_answer_times_the_client_out_though_the_message_was_delivered_and_a_drop_records_nothing()
    {
        var url = _fake.RegisterBot(Token);
        _fake.ResponseDelay = TimeSpan.FromMinutes(5);

        // The client gives up only once the fake has the message (a fixed 300 ms could run out, on a
        // loaded machine, before the request was even read): recorded, unanswered, then abandoned.
        using var giveUp = new CancellationTokenSource();
        var slow = _client.PostJsonAsync(url, Text("slow"), giveUp.Token);
        await Eventually.HoldsAsync(() => _fake.Delivered(Token).Count == 1, TimeSpan.FromSeconds(10), "the slow message to be recorded");
        Assert.False(slow.IsCompleted, "the slow message was answered");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        _fake.ResponseDelay = TimeSpan.Zero;
        _fake.DropNextConnections(1);
        await Assert.ThrowsAsync<HttpRequestException>(() => _client.PostJsonAsync(url, Text("dropped")));

        Assert.Equal(0, (await _client.PostJsonAsync(url, Text("fast"))).Code);
        Assert.Equal(["slow", "fast"], _fake.Delivered(Token).Select(m => m.Texts.Single()));
        Assert.Equal(2, _fake.Attempts(Token).Count);
    }

    [Fact]
    public void Live_markup_finds_mentions_in_text_post_and_card_and_card_markdown_colour_and_links()
    {
        var text = Text("""BackOff <at user_id="all">所有人</at>""");
        var post = Post("<at user_id=\"ou_1\">x</at>",
            new JsonObject { ["tag"] = "at", ["user_id"] = "all" },
            new JsonObject { ["tag"] = "md", ["text"] = "[click](https://evil.example)" });
        var card = Card("""<at id=all></at> <font color='red'>x</font> <link url="https://x">y</link> [a](b)""");
        var legacy = JsonNode.Parse("""{"msg_type":"interactive","card":{"elements":[{"tag":"div","text":{"tag":"lark_md","content":"<font color=red>x</font>"}}]}}""")!;

        Assert.Equal([("$.content.text", "<at", "<at user_id=\"all\">")], FakeFeishu.LiveMarkup(text).Select(f => (f.Path, f.Kind, f.Match)));
        Assert.Equal(
            [
                ("$.content.post.zh_cn.title", "<at", "<at user_id=\"ou_1\">"),
                ("$.content.post.zh_cn.content[0][0]", "tag:at", """{"tag":"at","user_id":"all"}"""),
                ("$.content.post.zh_cn.content[0][1].text", "link", "[click](https://evil.example)"),
            ],
            FakeFeishu.LiveMarkup(post).Select(f => (f.Path, f.Kind, f.Match)));
        Assert.Equal(
            [
                ("$.card.body.elements[0].content", "<at", "<at id=all>"),
                ("$.card.body.elements[0].content", "<font", "<font color='red'>"),
                ("$.card.body.elements[0].content", "<link", "<link url=\"https://x\">"),
                ("$.card.body.elements[0].content", "link", "[a](b)"),
            ],
            FakeFeishu.LiveMarkup(card).Select(f => (f.Path, f.Kind, f.Match)));
        Assert.Equal([("$.card.elements[0].text.content", "<font", "<font color=red>")], FakeFeishu.LiveMarkup(legacy).Select(f => (f.Path, f.Kind, f.Match)));
    }

    [Fact]
    public void Neutralised_text_has_no_live_markup()
    {
        var message = Post("BackOff ＜at user_id=\"all\"＞",
            new JsonObject { ["tag"] = "text", ["text"] = "<\u200Bat user_id=\"all\"> [x]\u200B(y)" },
            new JsonObject { ["tag"] = "a", ["text"] = "pod", ["href"] = "https://example.com/?q=<at" });

        Assert.Empty(FakeFeishu.LiveMarkup(message));
        Assert.Empty(FakeFeishu.LiveMarkup(Card("**BackOff** pod/api-0")));
    }
}
