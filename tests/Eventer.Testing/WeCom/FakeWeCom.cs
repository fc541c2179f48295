using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Eventer.Testing.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Eventer.Testing.WeCom;

/// <summary>
/// WeCom's (企业微信) group-robot webhook on loopback, speaking the real protocol:
/// <c>POST /cgi-bin/webhook/send?key=…</c> with a JSON text, markdown or markdown_v2 message, always
/// answered HTTP 200 with <c>{"errcode":N,"errmsg":"…"}</c>, errors carrying WeCom's
/// <c>hint: […], from ip: …, more info at …</c> tail. It checks what the real service checks — the key,
/// the message type, empty content, the UTF-8 byte limits (2,048 for text, 4,096 for markdown), 20
/// messages a minute per robot — and injects the faults it produces (errcodes, gateway statuses, slow
/// answers, dropped connections).
/// </summary>
/// <remarks>
/// Choices where WeCom documents nothing: a body that is not JSON (or not an object) is 40058
/// "wrong json format" (the wording is a guess; the class, bad content, is what matters); the rate
/// window slides and only accepted messages count, with no penalty period (that is DingTalk's rule, not
/// WeCom's); the Content-Type is not checked; image, news, file, voice and template_card messages are
/// answered 40008, since the product sends none.
/// </remarks>
public sealed class FakeWeCom : IAsyncDisposable
{
    /// <summary>The largest text content, in UTF-8 bytes.</summary>
    public const int MaxTextBytes = 2_048;

    /// <summary>The largest markdown or markdown_v2 content, in UTF-8 bytes.</summary>
    public const int MaxMarkdownBytes = 4_096;

    /// <summary>Messages a robot may send per <see cref="RateWindow"/>.</summary>
    public const int MessagesPerWindow = 20;

    /// <summary>The window the rate limit counts over (sliding, by the fake's clock).</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    private static readonly string[] MsgTypes = ["text", "markdown", "markdown_v2"];

    private readonly object _lock = new();
    private readonly Dictionary<string, Robot> _robots = [];
    private readonly Dictionary<string, List<WeComAttempt>> _attempts = [];
    private readonly InjectedAnswers<(int ErrCode, string ErrMsg)> _injectedErrors = new();
    private readonly InjectedAnswers<int> _injectedStatuses = new();
    private readonly WebApplication _app;
    private readonly TimeProvider _clock;
    private int _dropConnections;

    private FakeWeCom(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// Holds every answer this long (real time) after the request has been judged and recorded — a
    /// slow network or server, so a client that gives up cannot know whether its message arrived.
    /// </summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Starts the fake on a free loopback port; <paramref name="clock"/> drives the rate limit and the records' times.</summary>
    public static async Task<FakeWeCom> StartAsync(TimeProvider? clock = null)
    {
        var app = FakeHost.Build();
        var fake = new FakeWeCom(app, clock ?? TimeProvider.System);
        app.MapPost("/cgi-bin/webhook/send", (Func<HttpContext, Task>)fake.ServeAsync);
        fake.Address = await FakeHost.StartAsync(app);
        return fake;
    }

    /// <summary>The webhook URL a product is configured with for the robot <paramref name="key"/>.</summary>
    public string WebhookUrl(string key) => $"{Address}cgi-bin/webhook/send?key={Uri.EscapeDataString(key)}";

    /// <summary>Registers a robot and returns its webhook URL. Registering again changes nothing.</summary>
    public string RegisterRobot(string key)
    {
        lock (_lock)
        {
            _robots.TryAdd(key, new Robot());
        }

        return WebhookUrl(key);
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any robot) with this errcode and errmsg (as
    /// given, no hint added) in an HTTP 200 body, e.g. -1 "system busy", 45009. Nothing is delivered.
    /// </summary>
    public void FailNext(int errCode, string errMsg, int count = 1) =>
        _injectedErrors.Add((errCode, errMsg), count);

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any robot) with this HTTP status and a
    /// gateway's HTML page instead of a JSON body. Injected statuses come before injected errcodes.
    /// </summary>
    public void RespondWithHttpStatus(int status, int count = 1) =>
        _injectedStatuses.Add(status, count);

    /// <summary>Aborts the connection of the next <paramref name="count"/> requests without reading or recording them.</summary>
    public void DropNextConnections(int count) => Interlocked.Add(ref _dropConnections, count);

    /// <summary>The messages accepted for <paramref name="key"/>, in order.</summary>
    public IReadOnlyList<WeComMessage> Delivered(string key)
    {
        lock (_lock)
        {
            return _robots.TryGetValue(key, out var robot) ? [.. robot.Delivered] : [];
        }
    }

    /// <summary>Every request that named <paramref name="key"/> (known or not; "" for none), accepted or rejected, in order.</summary>
    public IReadOnlyList<WeComAttempt> Attempts(string key)
    {
        lock (_lock)
        {
            return _attempts.TryGetValue(key, out var attempts) ? [.. attempts] : [];
        }
    }

    /// <summary>
    /// The live markup in <paramref name="message"/>: <c>&lt;@</c> mentions in text and markdown
    /// content (markdown_v2 does not parse them); <c>&lt;font</c> and a literal <c>@all</c> in any
    /// content; <c>[label](url)</c> links in markdown and markdown_v2; a non-empty
    /// <c>mentioned_list</c> or <c>mentioned_mobile_list</c> (and an <c>@all</c> in one). A heading or
    /// quote line made from event text cannot be told from the template's own, so it is not reported.
    /// </summary>
    public static IReadOnlyList<MarkupFinding> LiveMarkup(JsonNode message)
    {
        var findings = new List<MarkupFinding>();
        foreach (var type in MsgTypes)
        {
            var path = $"$.{type}.content";
            if (JsonWalk.String(message[type]?["content"]) is not { } content)
            {
                continue;
            }

            if (type != "markdown_v2")
            {
                findings.AddRange(MarkupText.Occurrences(content, "<@").Select(o => new MarkupFinding(path, "<@", o.Match)));
            }

            findings.AddRange(MarkupText.Occurrences(content, "<font").Select(o => new MarkupFinding(path, "<font", o.Match)));
            findings.AddRange(MarkupText.Occurrences(content, "@all").Select(_ => new MarkupFinding(path, "@all", "@all")));
            if (type != "text")
            {
                findings.AddRange(MarkupText.MarkdownLinks(content).Select(link => new MarkupFinding(path, "link", link)));
            }
        }

        foreach (var list in new[] { "mentioned_list", "mentioned_mobile_list" })
        {
            foreach (var place in JsonWalk.Nodes(message).Where(p => p.Name == list && p.Node is JsonArray { Count: > 0 }))
            {
                findings.Add(new MarkupFinding(place.Path, list, place.Node!.ToJsonString()));
                if (place.Node is JsonArray items && items.Any(i => JsonWalk.String(i) == "@all"))
                {
                    findings.Add(new MarkupFinding(place.Path, "@all", "@all"));
                }
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

        var key = context.Request.Query["key"].ToString();
        var body = await FakeHost.ReadBodyAsync(context);
        var from = context.Connection.RemoteIpAddress?.MapToIPv4().ToString() ?? "127.0.0.1";
        WeComAttempt attempt;
        lock (_lock)
        {
            attempt = Judge(key, body, from);
            if (!_attempts.TryGetValue(key, out var attempts))
            {
                _attempts[key] = attempts = [];
            }

            attempts.Add(attempt);
        }

        if (!await FakeHost.DelayAsync(context, _app, ResponseDelay))
        {
            return;
        }

        context.Response.StatusCode = attempt.HttpStatus;
        if (attempt.ErrCode is not { } errCode)
        {
            // What a gateway in front of WeCom sends: HTML, not the JSON the client expects.
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync($"<html><body><h1>{attempt.HttpStatus}</h1></body></html>");
            return;
        }

        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(new JsonObject { ["errcode"] = errCode, ["errmsg"] = attempt.ErrMsg }.ToJsonString());
    }

    // Called under _lock. Injected faults first, then key, body, type, content, rate; a rejected
    // message never counts toward the rate limit.
    private WeComAttempt Judge(string key, byte[] body, string from)
    {
        var now = _clock.GetUtcNow();
        var raw = Encoding.UTF8.GetString(body);
        WeComAttempt Answer(int errCode, string errMsg) => new(now, key, 200, errCode, errMsg, raw);

        // WeCom's error tail: a 25-digit request id, the caller's address, and where to look the code up.
        WeComAttempt Error(int errCode, string text) => Answer(errCode, string.Create(
            CultureInfo.InvariantCulture,
            $"{text}, hint: [{now.ToUnixTimeSeconds():D10}{RandomNumberGenerator.GetString("0123456789", 15)}], from ip: {from}, more info at https://open.work.weixin.qq.com/devtool/query?e={errCode}"));

        if (_injectedStatuses.TryTake(out var status))
        {
            return new WeComAttempt(now, key, status, null, null, raw);
        }

        if (_injectedErrors.TryTake(out var injected))
        {
            return Answer(injected.ErrCode, injected.ErrMsg);
        }

        if (!_robots.TryGetValue(key, out var robot))
        {
            return Error(WeComErrors.InvalidWebhookUrl, "invalid webhook url");
        }

        if (FakeHost.TryParse(body, out _) is not JsonObject root)
        {
            return Error(WeComErrors.InvalidParameter, "wrong json format. invalid Request Parameter");
        }

        if (JsonWalk.String(root["msgtype"]) is not { } msgType || !MsgTypes.Contains(msgType))
        {
            return Error(WeComErrors.InvalidMessageType, "invalid message type");
        }

        var section = root[msgType] as JsonObject;
        if (JsonWalk.String(section?["content"]) is not { Length: > 0 } content)
        {
            return Error(WeComErrors.EmptyContent, "empty content");
        }

        var limit = msgType == "text" ? MaxTextBytes : MaxMarkdownBytes;
        if (Encoding.UTF8.GetByteCount(content) > limit)
        {
            return Error(WeComErrors.InvalidParameter, $"{msgType}.content exceed max length {limit}. invalid Request Parameter");
        }

        if (Strings(section!["mentioned_list"]) is not { } mentioned || Strings(section["mentioned_mobile_list"]) is not { } mobiles)
        {
            return Error(WeComErrors.InvalidParameter, "invalid Request Parameter");
        }

        while (robot.Recent.TryPeek(out var oldest) && oldest <= now - RateWindow)
        {
            robot.Recent.Dequeue();
        }

        if (robot.Recent.Count >= MessagesPerWindow)
        {
            return Error(WeComErrors.FreqOutOfLimit, "api freq out of limit");
        }

        robot.Recent.Enqueue(now);
        robot.Delivered.Add(new WeComMessage(key, msgType, content, mentioned, mobiles, raw, root, now));
        return Answer(WeComErrors.Ok, "ok");
    }

    // A list of strings: absent is empty; anything but an array of strings is null.
    private static List<string>? Strings(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array when array.All(i => JsonWalk.String(i) is not null) => [.. array.Select(i => JsonWalk.String(i)!)],
        _ => null,
    };

    private sealed class Robot
    {
        public List<WeComMessage> Delivered { get; } = [];

        // Times of the messages accepted within the last RateWindow, oldest first.
        public Queue<DateTimeOffset> Recent { get; } = new();
    }
}
