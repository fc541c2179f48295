using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.Notifications.Delivery;
using Eventer.Testing.Feishu;
using Eventer.Testing.Slack;
using Eventer.Testing.WeCom;
using Eventer.WebhookNotifier.Platforms;
using Eventer.WebhookNotifier.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventer.WebhookNotifier.Tests.Platforms;

/// <summary>
/// Event text written to break things — quotes, backslashes, newlines, every platform's mention and
/// markup syntax — renders to a body that parses as JSON and that each platform's fake finds no
/// live markup or mention in; the JSON target carries the text exactly.
/// </summary>
public sealed class HostileTextTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public static TheoryData<string> Shapes => ["single", "summary"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Slack_bodies_parse_and_carry_no_live_markup(string shape)
    {
        var body = Render(new SlackPlatform(Options(), NullLogger<SlackPlatform>.Instance), TargetKind.Slack, shape);

        Assert.Empty(FakeSlack.LiveMarkup(body));
        Assert.Contains("&lt;!channel&gt;", body.ToJsonString(Relaxed));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Feishu_bodies_parse_and_carry_no_live_markup(string shape)
    {
        var body = Render(new FeishuPlatform(Options(), NullLogger<FeishuPlatform>.Instance), TargetKind.Feishu, shape);

        Assert.Empty(FakeFeishu.LiveMarkup(body));
        Assert.Equal("post", (string?)body["msg_type"]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeCom_bodies_parse_and_carry_no_live_markup(string shape)
    {
        var body = Render(new WeComPlatform(Options(), NullLogger<WeComPlatform>.Instance), TargetKind.WeCom, shape);

        Assert.Empty(FakeWeCom.LiveMarkup(body));
        Assert.Equal("markdown", (string?)body["msgtype"]);
    }

    [Fact]
    public void A_json_body_carries_the_text_exactly()
    {
        var e = WebhookSamples.HostileWarning(Now);

        var body = Render(new JsonPlatform(Options(), NullLogger<JsonPlatform>.Instance), TargetKind.Json, "single");

        Assert.Equal(WebhookSamples.Hostile, (string?)body["message"]);
        Assert.Equal(e.Reason, (string?)body["reason"]);
        Assert.Equal("alert", (string?)body["kind"]);
    }

    [Fact]
    public void A_json_summary_parses_and_counts_the_occurrences()
    {
        var body = Render(new JsonPlatform(Options(), NullLogger<JsonPlatform>.Instance), TargetKind.Json, "summary");

        Assert.Equal("summary", (string?)body["kind"]);
        Assert.Equal(3, (int?)body["total"]);
        // A summary quotes the start of the latest message.
        Assert.Equal(WebhookSamples.Hostile[..120] + "…", (string?)body["groups"]![0]!["lines"]![0]!["message"]);
    }

    [Fact]
    public void A_template_that_quotes_values_itself_falls_back_to_the_built_in_body()
    {
        // kube-eventer's webhook sink pastes values into JSON like this and breaks on the first quote.
        var target = new WebhookTargetOptions { Kind = TargetKind.Json, Url = "http://127.0.0.1/hook", Template = """{"text": "{{ message }}"}""" };
        var platform = new JsonPlatform(Options(target), NullLogger<JsonPlatform>.Instance);

        var body = Serialize(platform.Build(WebhookSamples.Single(WebhookSamples.HostileWarning(Now)), target, 1_000_000, Now).Body);

        Assert.Equal(WebhookSamples.Hostile, (string?)body["message"]);
    }

    [Fact]
    public void A_template_with_the_json_filter_is_used_as_written()
    {
        var target = new WebhookTargetOptions { Kind = TargetKind.Json, Url = "http://127.0.0.1/hook", Template = """{"text": {{ message | json }}, "n": {{ count }}}""" };
        var platform = new JsonPlatform(Options(target), NullLogger<JsonPlatform>.Instance);

        var body = Serialize(platform.Build(WebhookSamples.Single(WebhookSamples.HostileWarning(Now)), target, 1_000_000, Now).Body);

        Assert.Equal(WebhookSamples.Hostile, (string?)body["text"]);
        Assert.Equal(1, (int?)body["n"]);
        Assert.Equal(2, body.AsObject().Count);
    }

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonNode Render(IPlatform platform, TargetKind kind, string shape)
    {
        var target = new WebhookTargetOptions { Kind = kind, Url = "http://127.0.0.1/hook" };
        var alert = shape == "single"
            ? WebhookSamples.Single(WebhookSamples.HostileWarning(Now))
            : WebhookSamples.Summary(WebhookSamples.HostileWarning(Now), WebhookSamples.HostileWarning(Now), WebhookSamples.HostileWarning(Now));
        return Serialize(platform.Build(alert, target, WebhookPlatforms.Of(kind).MaxMessageBytes, Now).Body);
    }

    /// <summary>The body as the sender sends it, parsed back: it must be JSON.</summary>
    private static JsonNode Serialize(JsonObject body) => JsonNode.Parse(body.ToJsonString(Relaxed))!;

    private static WebhookOptions Options(WebhookTargetOptions? target = null) => new()
    {
        Targets = { ["ops"] = target ?? new WebhookTargetOptions { Kind = TargetKind.Json, Url = "http://127.0.0.1/hook" } },
    };
}
