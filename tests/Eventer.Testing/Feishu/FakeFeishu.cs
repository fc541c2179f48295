using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Eventer.Testing.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Eventer.Testing.Feishu;

/// <summary>
/// Feishu's (and Lark's: same path, same rules) custom-bot webhook on loopback, speaking the real
/// protocol: <c>POST /open-apis/bot/v2/hook/{token}</c> with a JSON message, answered
/// <c>{"code":N,"msg":"…","data":{}}</c> — HTTP 200 for everything but a malformed body (9499, HTTP
/// 400). It checks what the real service checks — the token; the 20,000-byte body; the message shape;
/// the signature, which is not DingTalk's (HMAC-SHA256 keyed with <c>timestamp + "\n" + secret</c> over
/// empty data, the timestamp in seconds and in the body) and its one-hour window; the keywords; 5 a
/// second and 100 a minute per bot — and injects the faults it produces (codes, gateway statuses,
/// slow answers, dropped connections, the load near :00 and :30).
/// </summary>
/// <remarks>
/// Assumptions where Feishu documents nothing, kept strict: <c>timestamp</c> must be a JSON string of
/// digits (the documented example) and a future timestamp is allowed within the hour; an empty text is
/// a bad request; a card must be an object; a post needs <c>zh_cn</c> or <c>en_us</c>, each paragraph
/// an array of tagged elements, a link an http(s) href; only accepted messages count toward the rate.
/// </remarks>
public sealed class FakeFeishu : IAsyncDisposable
{
    /// <summary>The largest body, in bytes ("20 KB", read as 20,000 to be safe).</summary>
    public const int MaxBodyBytes = 20_000;

    /// <summary>Messages a bot may send in any second.</summary>
    public const int MessagesPerSecond = 5;

    /// <summary>Messages a bot may send in any minute.</summary>
    public const int MessagesPerMinute = 100;

    /// <summary>How far a signed request's timestamp may be from the fake's clock.</summary>
    public static readonly TimeSpan TimestampTolerance = TimeSpan.FromHours(1);

    // The answer to an accepted message, byte for byte as Feishu sends it (the legacy fields first).
    private const string SuccessBody = """{"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}""";

    private const string FrequencyLimitedMsg = "frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]";

    // What the keyword check reads, and what may carry an <at> mention.
    private static readonly HashSet<string> TextNames = ["text", "title", "content"];

    private static readonly HashSet<string> MsgTypes = ["text", "post", "image", "share_chat", "interactive"];

    private static readonly HashSet<string> PostTags = ["text", "a", "at", "img", "media", "emotion", "hr", "code_block", "md"];

    private static readonly HashSet<string> MarkdownTags = ["markdown", "lark_md", "md"];

    private readonly object _lock = new();
    private readonly Dictionary<string, Bot> _bots = [];
    private readonly Dictionary<string, List<FeishuAttempt>> _attempts = [];
    private readonly InjectedAnswers<(int Code, string Msg)> _injectedCodes = new();
    private readonly InjectedAnswers<int> _injectedStatuses = new();
    private readonly WebApplication _app;
    private readonly TimeProvider _clock;
    private int _dropConnections;

    private FakeFeishu(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// While more than zero, every message in this stretch after each full and half hour (by the fake's
    /// clock) is answered 11232: the load storms Feishu warns of at 10:00 and 17:30.
    /// </summary>
    public TimeSpan HalfHourStorm { get; set; }

    /// <summary>
    /// Holds every answer this long (real time) after the request has been judged and recorded — a
    /// slow network or server, so a client that gives up cannot know whether its message arrived.
    /// </summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Starts the fake on a free loopback port; <paramref name="clock"/> drives the rate limit and timestamp checks.</summary>
    public static async Task<FakeFeishu> StartAsync(TimeProvider? clock = null)
    {
        var app = FakeHost.Build();
        var fake = new FakeFeishu(app, clock ?? TimeProvider.System);
        app.MapPost("/open-apis/bot/v2/hook/{token}", (Func<HttpContext, Task>)fake.ServeAsync);
        fake.Address = await FakeHost.StartAsync(app);
        return fake;
    }

    /// <summary>The webhook URL a product is configured with for the bot <paramref name="token"/>.</summary>
    public string WebhookUrl(string token) => $"{Address}open-apis/bot/v2/hook/{Uri.EscapeDataString(token)}";

    /// <summary>
    /// Registers a bot and returns its webhook URL. With a <paramref name="secret"/> every message must
    /// be signed; with <paramref name="keywords"/> (Feishu allows up to 10) some text must contain one.
    /// Registering again replaces the settings and keeps what was delivered.
    /// </summary>
    public string RegisterBot(string token, string? secret = null, IReadOnlyList<string>? keywords = null)
    {
        lock (_lock)
        {
            if (_bots.TryGetValue(token, out var bot))
            {
                bot.Secret = secret;
                bot.Keywords = keywords ?? [];
            }
            else
            {
                _bots[token] = new Bot { Secret = secret, Keywords = keywords ?? [] };
            }
        }

        return WebhookUrl(token);
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any bot) with this code in an HTTP 200 body,
    /// e.g. 11232, 2200, 19022. Nothing is delivered.
    /// </summary>
    public void FailNext(int code, string msg, int count = 1) =>
        _injectedCodes.Add((code, msg), count);

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any bot) with this HTTP status and a
    /// gateway's HTML page instead of a JSON body. Injected statuses come before injected codes.
    /// </summary>
    public void RespondWithHttpStatus(int status, int count = 1) =>
        _injectedStatuses.Add(status, count);

    /// <summary>Aborts the connection of the next <paramref name="count"/> requests without reading or recording them.</summary>
    public void DropNextConnections(int count) => Interlocked.Add(ref _dropConnections, count);

    /// <summary>The messages accepted for <paramref name="token"/>, in order.</summary>
    public IReadOnlyList<FeishuMessage> Delivered(string token)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(token, out var bot) ? [.. bot.Delivered] : [];
        }
    }

    /// <summary>Every request that named <paramref name="token"/> (known or not), accepted or rejected, in order.</summary>
    public IReadOnlyList<FeishuAttempt> Attempts(string token)
    {
        lock (_lock)
        {
            return _attempts.TryGetValue(token, out var attempts) ? [.. attempts] : [];
        }
    }

    /// <summary>
    /// The live markup in <paramref name="message"/>: <c>&lt;at</c> in any text, title or content
    /// value (a mention in a text message, a card's markdown, a title); any post element with
    /// <c>"tag":"at"</c>; and in card <c>markdown</c>/<c>lark_md</c> and post <c>md</c> elements also
    /// <c>&lt;font</c>, <c>&lt;link</c> and <c>[label](url)</c> links.
    /// </summary>
    public static IReadOnlyList<MarkupFinding> LiveMarkup(JsonNode message)
    {
        var findings = new List<MarkupFinding>();
        foreach (var (path, text) in JsonWalk.StringsNamed(message, TextNames))
        {
            findings.AddRange(MarkupText.Occurrences(text, "<at").Select(o => new MarkupFinding(path, "<at", o.Match)));
        }

        foreach (var place in JsonWalk.Nodes(message))
        {
            if (place.Node is not JsonObject element || JsonWalk.String(element["tag"]) is not { } tag)
            {
                continue;
            }

            if (tag == "at")
            {
                findings.Add(new MarkupFinding(place.Path, "tag:at", element.ToJsonString()));
            }

            if (MarkdownTags.Contains(tag) && (JsonWalk.String(element["content"]) ?? JsonWalk.String(element["text"])) is { } markdown)
            {
                var path = place.Path + (element["content"] is not null ? ".content" : ".text");
                findings.AddRange(MarkupText.Occurrences(markdown, "<font").Select(o => new MarkupFinding(path, "<font", o.Match)));
                findings.AddRange(MarkupText.Occurrences(markdown, "<link").Select(o => new MarkupFinding(path, "<link", o.Match)));
                findings.AddRange(MarkupText.MarkdownLinks(markdown).Select(link => new MarkupFinding(path, "link", link)));
            }
        }

        return findings;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (FakeHost.TakeOne(ref _dropConnections))
        {
            context.Abort();
            return;
        }

        var token = context.Request.RouteValues["token"] as string ?? "";
        var body = await FakeHost.ReadBodyAsync(context);
        FeishuAttempt attempt;
        lock (_lock)
        {
            attempt = Judge(token, body);
            if (!_attempts.TryGetValue(token, out var attempts))
            {
                _attempts[token] = attempts = [];
            }

            attempts.Add(attempt);
        }

        if (!await FakeHost.DelayAsync(context, _app, ResponseDelay))
        {
            return;
        }

        context.Response.StatusCode = attempt.HttpStatus;
        if (attempt.Code is not { } code)
        {
            // What a gateway in front of Feishu sends: HTML, not the JSON the client expects.
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync($"<html><body><h1>{attempt.HttpStatus}</h1></body></html>");
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(code == FeishuErrors.Ok
            ? SuccessBody
            : new JsonObject { ["code"] = code, ["msg"] = attempt.Msg, ["data"] = new JsonObject() }.ToJsonString());
    }

    // Called under _lock. Injected faults first, then token, body, signature, keywords, rate; a
    // rejected message never counts toward the rate limit.
    private FeishuAttempt Judge(string token, byte[] body)
    {
        var now = _clock.GetUtcNow();
        var raw = Encoding.UTF8.GetString(body);
        FeishuAttempt Answer(int code, string msg, int status = 200) => new(now, token, status, code, msg, raw);

        if (_injectedStatuses.TryTake(out var injectedStatus))
        {
            return new FeishuAttempt(now, token, injectedStatus, null, null, raw);
        }

        if (_injectedCodes.TryTake(out var injected))
        {
            return Answer(injected.Code, injected.Msg);
        }

        if (!_bots.TryGetValue(token, out var bot))
        {
            return Answer(FeishuErrors.TokenInvalid, "param invalid: incoming webhook access token invalid");
        }

        if (body.Length > MaxBodyBytes || FakeHost.TryParse(body, out _) is not JsonObject root || MsgType(root) is not { } msgType)
        {
            return Answer(FeishuErrors.BadRequest, "Bad Request", 400);
        }

        if (bot.Secret is { } secret && !SignatureHolds(root, secret, now))
        {
            return Answer(FeishuErrors.SignMismatch, "sign match fail or timestamp is not within one hour from current time");
        }

        var texts = JsonWalk.StringsNamed(root, TextNames).Select(t => t.Value).ToList();
        if (bot.Keywords.Count > 0 && !texts.Any(t => bot.Keywords.Any(k => t.Contains(k, StringComparison.Ordinal))))
        {
            return Answer(FeishuErrors.KeywordsNotFound, "Key Words Not Found");
        }

        while (bot.Recent.TryPeek(out var oldest) && oldest <= now - TimeSpan.FromMinutes(1))
        {
            bot.Recent.Dequeue();
        }

        var sinceHalfHour = TimeSpan.FromTicks(now.UtcTicks % TimeSpan.FromMinutes(30).Ticks);
        if (sinceHalfHour < HalfHourStorm
            || bot.Recent.Count >= MessagesPerMinute
            || bot.Recent.Count(t => t > now - TimeSpan.FromSeconds(1)) >= MessagesPerSecond)
        {
            return Answer(FeishuErrors.FrequencyLimited, FrequencyLimitedMsg);
        }

        bot.Recent.Enqueue(now);
        bot.Delivered.Add(new FeishuMessage(token, msgType, raw, root, texts, now));
        return Answer(FeishuErrors.Ok, "success");
    }

    // The message's msg_type when the body is a well-formed message of that type, else null.
    private static string? MsgType(JsonObject root)
    {
        var msgType = JsonWalk.String(root["msg_type"]);
        var content = root["content"] as JsonObject;
        var valid = msgType switch
        {
            "text" => JsonWalk.String(content?["text"]) is { Length: > 0 },
            "post" => ValidPost(content?["post"] as JsonObject),
            "image" => JsonWalk.String(content?["image_key"]) is { Length: > 0 },
            "share_chat" => JsonWalk.String(content?["share_chat_id"]) is { Length: > 0 },
            "interactive" => root["card"] is JsonObject,
            _ => false,
        };
        return valid && MsgTypes.Contains(msgType!) ? msgType : null;
    }

    private static bool ValidPost(JsonObject? post)
    {
        var languages = new[] { post?["zh_cn"], post?["en_us"] }.Where(l => l is not null).ToList();
        return languages.Count > 0 && languages.All(l => l is JsonObject language && language["content"] is JsonArray paragraphs
            && paragraphs.All(p => p is JsonArray elements && elements.All(ValidPostElement)));
    }

    private static bool ValidPostElement(JsonNode? node)
    {
        if (node is not JsonObject element || JsonWalk.String(element["tag"]) is not { } tag || !PostTags.Contains(tag))
        {
            return false;
        }

        return tag switch
        {
            "text" or "md" => JsonWalk.String(element["text"]) is not null,
            "a" => JsonWalk.String(element["text"]) is not null
                && Uri.TryCreate(JsonWalk.String(element["href"]), UriKind.Absolute, out var href)
                && (href.Scheme == Uri.UriSchemeHttp || href.Scheme == Uri.UriSchemeHttps),
            "at" => JsonWalk.String(element["user_id"]) is { Length: > 0 },
            "img" => JsonWalk.String(element["image_key"]) is { Length: > 0 },
            _ => true,
        };
    }

    // The fake's own verifier, independent of the product's signer: a string "timestamp" of unix seconds
    // within the hour, and "sign" = Base64(HMAC-SHA256(key: timestamp + "\n" + secret, data: empty)).
    private static bool SignatureHolds(JsonObject root, string secret, DateTimeOffset now)
    {
        if (JsonWalk.String(root["timestamp"]) is not { } timestamp
            || JsonWalk.String(root["sign"]) is not { Length: > 0 } sign
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        var sent = DateTimeOffset.FromUnixTimeSeconds(Math.Min(seconds, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        if ((sent - now).Duration() > TimestampTolerance)
        {
            return false;
        }

        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + secret), Array.Empty<byte>());
        return sign == Convert.ToBase64String(mac);
    }

    private sealed class Bot
    {
        public string? Secret { get; set; }

        public IReadOnlyList<string> Keywords { get; set; } = [];

        public List<FeishuMessage> Delivered { get; } = [];

        // Times of the messages accepted within the last minute, oldest first.
        public Queue<DateTimeOffset> Recent { get; } = new();
    }
}
