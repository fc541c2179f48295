using System.Net;
using System.Text.Json.Nodes;
using Eventer.Testing.Slack;
using Eventer.Testing.Tests.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace Eventer.Testing.Tests.Slack;

/// <summary>The fake against a real HttpClient: Slack's statuses and plain-text bodies, checks, limits and injected faults.</summary>
[Trait("Category", "Unit")]
public sealed class FakeSlackTests : IAsyncLifetime
{
    private const string Hook = "alerts";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly PostClient _client = new();
    private FakeSlack _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeSlack.StartAsync(_clock);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    private static JsonObject Text(string text) => new() { ["text"] = text };

    private static JsonObject Section(string type, string text) =>
        new() { ["type"] = "section", ["text"] = new JsonObject { ["type"] = type, ["text"] = text } };

    private static JsonObject Blocks(params JsonNode[] blocks) =>
        new() { ["text"] = "fallback", ["blocks"] = new JsonArray(blocks) };

    [Fact]
    public async Task Accepts_a_text_message_with_200_ok_as_text_html_and_records_it()
    {
        var url = _fake.RegisterHook(Hook);

        var answer = await _client.PostJsonAsync(url, Text("Warning BackOff on pod default/web-1"));

        Assert.Equal((HttpStatusCode.OK, "ok", "text/html"), (answer.Status, answer.Body, answer.ContentType));
        Assert.Matches("^http://127\\.0\\.0\\.1:[0-9]+/services/T[A-Z0-9]{8}/B[A-Z0-9]{10}/[A-Z0-9]{24}$", url);
        Assert.Equal(url, _fake.HookUrl(Hook));
        Assert.Equal(url, _fake.RegisterHook(Hook));
        var message = Assert.Single(_fake.Delivered(Hook));
        Assert.Equal((Hook, "{\"text\":\"Warning BackOff on pod default/web-1\"}"), (message.Hook, message.RawBody));
        Assert.Equal(["Warning BackOff on pod default/web-1"], message.Texts);
        Assert.Equal("Warning BackOff on pod default/web-1", (string?)message.Body["text"]);
        Assert.Equal(_clock.GetUtcNow(), message.ReceivedAt);
        var attempt = Assert.Single(_fake.Attempts(Hook));
        Assert.Equal((200, "ok", (int?)null), (attempt.HttpStatus, attempt.ResponseBody, attempt.RetryAfterSeconds));
        Assert.StartsWith("application/json", attempt.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepts_blocks_and_records_every_displayed_text_in_document_order()
    {
        var url = _fake.RegisterHook(Hook);
        var body = Blocks(
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = "BackOff" } },
            Section("mrkdwn", "*BackOff* on `default/web-1`"),
            new JsonObject
            {
                ["type"] = "section",
                ["fields"] = new JsonArray(new JsonObject { ["type"] = "plain_text", ["text"] = "count 3" }),
            },
            new JsonObject { ["type"] = "divider" },
            new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = "cluster prod" }),
            });

        var answer = await _client.PostJsonAsync(url, body);

        Assert.Equal((HttpStatusCode.OK, "ok"), (answer.Status, answer.Body));
        Assert.Equal(
            ["fallback", "BackOff", "*BackOff* on `default/web-1`", "count 3", "cluster prod"],
            Assert.Single(_fake.Delivered(Hook)).Texts);
    }

    [Fact]
    public async Task An_unknown_path_is_404_no_service_and_is_recorded_without_a_hook()
    {
        var url = _fake.RegisterHook(Hook);
        var wrongSecret = url[..^1] + (url[^1] == 'X' ? "Y" : "X");

        var unknown = await _client.PostJsonAsync(wrongSecret, Text("hello"));
        var elsewhere = await _client.PostJsonAsync(new Uri(_fake.Address, "api/chat.postMessage").ToString(), Text("hello"));

        Assert.Equal((HttpStatusCode.NotFound, "no_service"), (unknown.Status, unknown.Body));
        Assert.Equal((HttpStatusCode.NotFound, "no_service"), (elsewhere.Status, elsewhere.Body));
        Assert.Empty(_fake.Delivered(Hook));
        Assert.Empty(_fake.Attempts(Hook));
        Assert.All(_fake.AllAttempts, a => Assert.Null(a.Hook));
        Assert.Equal(2, _fake.AllAttempts.Count);
    }

    [Theory]
    [InlineData(SlackHookState.Removed, HttpStatusCode.NotFound, "no_team")]
    [InlineData(SlackHookState.Archived, HttpStatusCode.Gone, "channel_is_archived")]
    [InlineData(SlackHookState.ChannelNotFound, HttpStatusCode.NotFound, "channel_not_found")]
    [InlineData(SlackHookState.Prohibited, HttpStatusCode.Forbidden, "action_prohibited")]
    [InlineData(SlackHookState.GeneralChannelDenied, HttpStatusCode.Forbidden, "posting_to_general_channel_denied")]
    public async Task A_scripted_hook_state_answers_its_status_until_restored(SlackHookState state, HttpStatusCode status, string body)
    {
        var url = _fake.RegisterHook(Hook);
        _fake.SetHookState(Hook, state);

        var refused = await _client.PostJsonAsync(url, Text("hello"));
        _fake.SetHookState(Hook, SlackHookState.Active);
        var restored = await _client.PostJsonAsync(url, Text("hello"));

        Assert.Equal((status, body), (refused.Status, refused.Body));
        Assert.Equal((HttpStatusCode.OK, "ok"), (restored.Status, restored.Body));
        Assert.Single(_fake.Delivered(Hook));
        Assert.Equal([(int)status, 200], _fake.Attempts(Hook).Select(a => a.HttpStatus));
    }

    [Fact]
    public async Task A_body_not_sent_as_json_is_400_invalid_payload_but_a_legacy_form_payload_is_accepted()
    {
        var url = _fake.RegisterHook(Hook);
        const string json = "{\"text\":\"hello\"}";

        var plain = await _client.PostAsync(url, json, "text/plain");
        var none = await _client.PostAsync(url, json, contentType: null);
        var form = await _client.PostAsync(url, "payload=" + Uri.EscapeDataString(json), "application/x-www-form-urlencoded");
        var withCharset = await _client.PostAsync(url, json, "application/json; charset=utf-8");

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_payload"), (plain.Status, plain.Body));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_payload"), (none.Status, none.Body));
        Assert.Equal((HttpStatusCode.OK, "ok"), (form.Status, form.Body));
        Assert.Equal((HttpStatusCode.OK, "ok"), (withCharset.Status, withCharset.Body));
        Assert.Equal([json, json], _fake.Delivered(Hook).Select(m => m.RawBody));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[{\"text\":\"hello\"}]")]
    [InlineData("\"hello\"")]
    [InlineData("")]
    [InlineData("{\"text\":42}")]
    [InlineData("{\"text\":\"a\",\"text\":\"b\"}")]
    public async Task A_body_that_is_not_a_message_object_is_400_invalid_payload(string body)
    {
        var url = _fake.RegisterHook(Hook);

        var answer = await _client.PostAsync(url, body);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_payload"), (answer.Status, answer.Body));
        Assert.Empty(_fake.Delivered(Hook));
        Assert.Equal(body, Assert.Single(_fake.Attempts(Hook)).RawBody);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"text\":\"\"}")]
    [InlineData("{\"text\":\"\",\"blocks\":[]}")]
    [InlineData("{\"username\":\"eventer\"}")]
    public async Task A_message_without_text_or_blocks_is_400_no_text(string body)
    {
        var url = _fake.RegisterHook(Hook);

        var answer = await _client.PostAsync(url, body);

        Assert.Equal((HttpStatusCode.BadRequest, "no_text"), (answer.Status, answer.Body));
        Assert.Empty(_fake.Delivered(Hook));
    }

    [Fact]
    public async Task Blocks_alone_are_enough_and_fifty_is_the_most()
    {
        var url = _fake.RegisterHook(Hook);
        JsonObject Many(int n) => new() { ["blocks"] = new JsonArray([.. Enumerable.Range(0, n).Select(i => (JsonNode)Section("mrkdwn", $"block {i}"))]) };

        var fifty = await _client.PostJsonAsync(url, Many(FakeSlack.MaxBlocks));
        var fiftyOne = await _client.PostJsonAsync(url, Many(FakeSlack.MaxBlocks + 1));

        Assert.Equal((HttpStatusCode.OK, "ok"), (fifty.Status, fifty.Body));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_blocks"), (fiftyOne.Status, fiftyOne.Body));
        Assert.Equal(50, Assert.Single(_fake.Delivered(Hook)).Texts.Count);
    }

    [Fact]
    public async Task A_section_text_over_3000_characters_is_400_invalid_blocks()
    {
        var url = _fake.RegisterHook(Hook);

        // 3,000 characters, though 6,000 UTF-16 code units: Slack counts characters.
        var atLimit = await _client.PostJsonAsync(url, Blocks(Section("plain_text", string.Concat(Enumerable.Repeat("😀", FakeSlack.MaxSectionTextChars)))));
        var over = await _client.PostJsonAsync(url, Blocks(Section("mrkdwn", new string('a', FakeSlack.MaxSectionTextChars + 1))));
        var fieldOver = await _client.PostJsonAsync(url, Blocks(new JsonObject
        {
            ["type"] = "section",
            ["fields"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = new string('a', FakeSlack.MaxSectionFieldChars + 1) }),
        }));

        Assert.Equal(HttpStatusCode.OK, atLimit.Status);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_blocks"), (over.Status, over.Body));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_blocks"), (fieldOver.Status, fieldOver.Body));
        Assert.Single(_fake.Delivered(Hook));
    }

    [Theory]
    [InlineData("{\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":\"markdown\",\"text\":\"x\"}}]}")]
    [InlineData("{\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"\"}}]}")]
    [InlineData("{\"blocks\":[{\"type\":\"section\",\"text\":\"plain string\"}]}")]
    [InlineData("{\"blocks\":[{\"type\":\"section\"}]}")]
    [InlineData("{\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"x\"}}]}")]
    [InlineData("{\"blocks\":[{\"type\":\"context\",\"elements\":[{\"type\":\"html\",\"text\":\"x\"}]}]}")]
    [InlineData("{\"blocks\":[{\"type\":\"carousel\"}]}")]
    [InlineData("{\"blocks\":{\"type\":\"divider\"}}")]
    public async Task A_text_object_must_be_plain_text_or_mrkdwn_and_blocks_well_formed(string body)
    {
        var url = _fake.RegisterHook(Hook);

        var answer = await _client.PostAsync(url, body);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_blocks"), (answer.Status, answer.Body));
    }

    [Fact]
    public async Task More_than_100_attachments_is_400_too_many_attachments()
    {
        var url = _fake.RegisterHook(Hook);
        JsonObject Attachments(int n) => new() { ["attachments"] = new JsonArray([.. Enumerable.Range(0, n).Select(i => (JsonNode)new JsonObject { ["text"] = $"a{i}" })]) };

        var hundred = await _client.PostJsonAsync(url, Attachments(FakeSlack.MaxAttachments));
        var over = await _client.PostJsonAsync(url, Attachments(FakeSlack.MaxAttachments + 1));

        Assert.Equal(HttpStatusCode.OK, hundred.Status);
        Assert.Equal((HttpStatusCode.BadRequest, "too_many_attachments"), (over.Status, over.Body));
    }

    [Fact]
    public async Task A_burst_then_one_a_second_then_429_rate_limited_with_retry_after()
    {
        var url = _fake.RegisterHook(Hook);
        _fake.Burst = 5;

        var burst = new List<HttpAnswer>();
        for (var i = 0; i < 5; i++)
        {
            burst.Add(await _client.PostJsonAsync(url, Text($"message {i}")));
        }

        var limited = await _client.PostJsonAsync(url, Text("message 5"));
        // A rejected message does not fill the bucket, so a refused one costs nothing.
        var invalid = await _client.PostAsync(url, "{}");
        _clock.Advance(TimeSpan.FromSeconds(1));
        var afterOneSecond = await _client.PostJsonAsync(url, Text("message 6"));
        var limitedAgain = await _client.PostJsonAsync(url, Text("message 7"));
        _clock.Advance(TimeSpan.FromSeconds(10));
        var refilled = new List<HttpAnswer>();
        for (var i = 0; i < 6; i++)
        {
            refilled.Add(await _client.PostJsonAsync(url, Text($"refill {i}")));
        }

        Assert.All(burst, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal((HttpStatusCode.TooManyRequests, "rate_limited", (int?)1), (limited.Status, limited.Body, limited.RetryAfterSeconds));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(HttpStatusCode.OK, afterOneSecond.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedAgain.Status);
        Assert.Equal([200, 200, 200, 200, 200, 429], refilled.Select(a => (int)a.Status));
        Assert.Equal(11, _fake.Delivered(Hook).Count);
        Assert.DoesNotContain("message 5", _fake.Delivered(Hook).SelectMany(m => m.Texts));
        Assert.Equal(1, _fake.Attempts(Hook).Single(a => a.RawBody.Contains("message 5", StringComparison.Ordinal)).RetryAfterSeconds);
    }

    [Fact]
    public async Task Retry_after_says_how_long_until_the_bucket_has_room_and_each_hook_has_its_own()
    {
        var url = _fake.RegisterHook(Hook);
        var other = _fake.RegisterHook("other");
        _fake.Burst = 3;
        _fake.MessagesPerSecond = 0.25;

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync(url, Text($"message {i}"))).Status);
        }

        var limited = await _client.PostJsonAsync(url, Text("too fast"));
        var otherHook = await _client.PostJsonAsync(other, Text("elsewhere"));
        _clock.Advance(TimeSpan.FromSeconds(3));
        var stillLimited = await _client.PostJsonAsync(url, Text("too fast"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        var accepted = await _client.PostJsonAsync(url, Text("in time"));

        Assert.Equal((HttpStatusCode.TooManyRequests, (int?)4), (limited.Status, limited.RetryAfterSeconds));
        Assert.Equal(HttpStatusCode.OK, otherHook.Status);
        Assert.Equal((HttpStatusCode.TooManyRequests, (int?)1), (stillLimited.Status, stillLimited.RetryAfterSeconds));
        Assert.Equal(HttpStatusCode.OK, accepted.Status);
    }

    [Fact]
    public async Task One_a_second_sustained_is_never_limited()
    {
        var url = _fake.RegisterHook(Hook);

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync(url, Text($"message {i}"))).Status);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(30, _fake.Delivered(Hook).Count);
    }

    [Fact]
    public async Task Concurrent_senders_get_exactly_the_burst_through()
    {
        var url = _fake.RegisterHook(Hook);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _client.PostJsonAsync(url, Text($"message {i}"))));

        Assert.Equal(5, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.Equal(15, answers.Count(a => a.Status == HttpStatusCode.TooManyRequests));
        Assert.Equal(5, _fake.Delivered(Hook).Count);
        Assert.Equal(20, _fake.Attempts(Hook).Count);
    }

    [Fact]
    public async Task Injected_statuses_answer_the_next_requests_then_it_recovers()
    {
        var url = _fake.RegisterHook(Hook);
        _fake.RespondWithStatus(500, "rollup_error", count: 2);
        _fake.RespondWithStatus(503);
        _fake.RespondWithStatus(429, "rate_limited", retryAfterSeconds: 30);

        var answers = new List<HttpAnswer>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await _client.PostJsonAsync(url, Text($"message {i}")));
        }

        Assert.Equal(
            [(500, "rollup_error", null), (500, "rollup_error", null), (503, "", null), (429, "rate_limited", 30), (200, "ok", null)],
            answers.Select(a => ((int)a.Status, a.Body, a.RetryAfterSeconds)));
        Assert.Equal("message 4", Assert.Single(Assert.Single(_fake.Delivered(Hook)).Texts));
        Assert.Equal([500, 500, 503, 429, 200], _fake.Attempts(Hook).Select(a => a.HttpStatus));
    }

    [Fact]
    public async Task A_slow_answer_times_the_client_out_though_the_message_was_delivered()
    {
        var url = _fake.RegisterHook(Hook);
        _fake.ResponseDelay = TimeSpan.FromMinutes(5);

        // The client gives up only once the fake has the message (a fixed 300 ms could run out, on a
        // loaded machine, before the request was even read): recorded, unanswered, then abandoned.
        using var giveUp = new CancellationTokenSource();
        var slow = _client.PostJsonAsync(url, Text("slow"), giveUp.Token);
        await Eventually.HoldsAsync(() => _fake.Delivered(Hook).Count == 1, TimeSpan.FromSeconds(10), "the slow message to be recorded");
        Assert.False(slow.IsCompleted, "the slow message was answered");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);

        _fake.ResponseDelay = TimeSpan.Zero;
        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync(url, Text("fast"))).Status);
        Assert.Equal(2, _fake.Delivered(Hook).Count);
    }

    [Fact]
    public async Task A_dropped_connection_fails_the_request_and_records_nothing()
    {
        var url = _fake.RegisterHook(Hook);
        _fake.DropNextConnections(1);

        await Assert.ThrowsAsync<HttpRequestException>(() => _client.PostJsonAsync(url, Text("lost")));
        var next = await _client.PostJsonAsync(url, Text("next"));

        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal("next", Assert.Single(Assert.Single(_fake.Delivered(Hook)).Texts));
        Assert.Single(_fake.Attempts(Hook));
    }

    [Fact]
    public void Live_markup_names_every_unescaped_angle_bracket_and_the_fields_that_turn_on_mentions()
    {
        var message = JsonNode.Parse("""
            {"text":"<!channel> pod <@U123> failed","link_names":true,"parse":"full",
             "blocks":[{"type":"section","text":{"type":"plain_text","text":"<!here|here> <!everyone> <!subteam^S1> <#C1> <https://x|y> a < b"}}],
             "attachments":[{"pretext":"<!here>","color":"<not a text field>"}]}
            """)!;

        var findings = FakeSlack.LiveMarkup(message);

        Assert.Equal(
            [
                ("$.link_names", "link_names", "true"),
                ("$.parse", "parse", "\"full\""),
                ("$.text", "<!channel", "<!channel>"),
                ("$.text", "<@", "<@U123>"),
                ("$.blocks[0].text.text", "<!here", "<!here|here>"),
                ("$.blocks[0].text.text", "<!everyone", "<!everyone>"),
                ("$.blocks[0].text.text", "<!subteam", "<!subteam^S1>"),
                ("$.blocks[0].text.text", "<#", "<#C1>"),
                ("$.blocks[0].text.text", "<", "<https://x|y>"),
                ("$.blocks[0].text.text", "<", "< b"),
                ("$.attachments[0].pretext", "<!here", "<!here>"),
            ],
            findings.Select(f => (f.Path, f.Kind, f.Match)));
    }

    [Fact]
    public void Correctly_escaped_text_has_no_live_markup()
    {
        var message = new JsonObject
        {
            ["text"] = "&lt;!channel&gt; pod &lt;@U123&gt; &amp; more @here",
            ["blocks"] = new JsonArray(Section("mrkdwn", "*BackOff* &lt;none&gt;")),
        };

        Assert.Empty(FakeSlack.LiveMarkup(message));
    }
}
