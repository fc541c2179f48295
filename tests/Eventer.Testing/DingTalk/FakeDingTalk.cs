using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Eventer.Testing.DingTalk;

/// <summary>
/// DingTalk's custom-robot webhook on loopback, speaking the real protocol:
/// <c>POST /robot/send?access_token=…[&amp;timestamp=…&amp;sign=…]</c> with a JSON markdown or text
/// message, always answered HTTP 200 with <c>{"errcode":N,"errmsg":"…"}</c>. It checks what the real
/// service checks — the token, the HMAC-SHA256 signature and its one-hour timestamp window, the
/// keyword, the 20,000-byte text limit, and 20 messages a minute per robot followed by a throttle
/// period — and injects the faults it produces (errcodes, 5xx answers from its gateway, slow
/// answers). Tests register robots, script faults, and read what was delivered and attempted.
/// </summary>
public sealed class FakeDingTalk : IAsyncDisposable
{
    /// <summary>Messages a robot may send per <see cref="RateWindow"/>.</summary>
    public const int MessagesPerWindow = 20;

    /// <summary>The largest message text, in UTF-8 bytes.</summary>
    public const int MaxTextBytes = 20_000;

    /// <summary>The window the rate limit counts over (sliding, by the fake's clock).</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    /// <summary>How far a signed request's timestamp may be from the fake's clock.</summary>
    public static readonly TimeSpan TimestampTolerance = TimeSpan.FromHours(1);

    private readonly object _lock = new();
    private readonly Dictionary<string, Robot> _robots = [];
    private readonly Dictionary<string, List<DingTalkAttempt>> _attempts = [];
    private readonly InjectedAnswers<(int ErrCode, string ErrMsg)> _injectedErrors = new();
    private readonly InjectedAnswers<int> _injectedStatuses = new();
    private readonly WebApplication _app;
    private readonly TimeProvider _clock;

    private FakeDingTalk(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>How long a robot answers only 130101 after exceeding the rate limit (DingTalk: 10 minutes).</summary>
    public TimeSpan ThrottlePeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Holds every answer this long (real time) after the request has been judged and recorded — a
    /// slow network or server, so a client that gives up cannot know whether its message arrived.
    /// </summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Starts the fake on a free loopback port; <paramref name="clock"/> drives the rate limit and timestamp checks.</summary>
    public static async Task<FakeDingTalk> StartAsync(TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeDingTalk(app, clock ?? TimeProvider.System);
        app.MapPost("/robot/send", fake.ServeAsync);
        await app.StartAsync();
        fake.Address = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return fake;
    }

    /// <summary>The webhook URL a product is configured with for the robot <paramref name="accessToken"/>.</summary>
    public string WebhookUrl(string accessToken) => $"{Address}robot/send?access_token={Uri.EscapeDataString(accessToken)}";

    /// <summary>
    /// Registers a robot. With a <paramref name="secret"/> every request must be signed; with a
    /// <paramref name="keyword"/> every message text must contain it. Registering again replaces it.
    /// </summary>
    public void AddRobot(string accessToken, string? secret = null, string? keyword = null)
    {
        lock (_lock)
        {
            _robots[accessToken] = new Robot(secret, keyword);
        }
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any robot) with this errcode in an HTTP 200
    /// body, e.g. -1 "system busy", 400101, 410100, 300005. Nothing is delivered.
    /// </summary>
    public void FailNext(int errCode, string errMsg, int count = 1) =>
        _injectedErrors.Add((errCode, errMsg), count);

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any robot) with this HTTP status and a
    /// gateway's HTML page instead of a JSON body. Injected statuses come before injected errcodes.
    /// </summary>
    public void RespondWithHttpStatus(int status, int count = 1) =>
        _injectedStatuses.Add(status, count);

    /// <summary>The messages accepted (errcode 0) for <paramref name="accessToken"/>, in order.</summary>
    public IReadOnlyList<DingTalkMessage> Delivered(string accessToken)
    {
        lock (_lock)
        {
            return _robots.TryGetValue(accessToken, out var robot) ? [.. robot.Delivered] : [];
        }
    }

    /// <summary>Every request that named <paramref name="accessToken"/> (known or not), accepted or rejected, in order.</summary>
    public IReadOnlyList<DingTalkAttempt> Attempts(string accessToken)
    {
        lock (_lock)
        {
            return _attempts.TryGetValue(accessToken, out var attempts) ? [.. attempts] : [];
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var token = context.Request.Query["access_token"].ToString();
        var timestamp = context.Request.Query["timestamp"].ToString();
        // The query parser already URL-decoded the sign, so it compares with the plain Base64.
        var sign = context.Request.Query["sign"].ToString();
        DingTalkMessage? message;
        try
        {
            message = Parse(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted));
        }
        catch (JsonException)
        {
            message = null;
        }

        DingTalkAttempt attempt;
        lock (_lock)
        {
            attempt = Judge(token, timestamp, sign, message);
            if (!_attempts.TryGetValue(token, out var attempts))
            {
                _attempts[token] = attempts = [];
            }

            attempts.Add(attempt);
        }

        if (ResponseDelay > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _app.Lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(ResponseDelay, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = attempt.HttpStatus;
        if (attempt.ErrCode is not { } errCode)
        {
            // What a gateway in front of DingTalk sends: HTML, not the JSON the client expects.
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync($"<html><body><h1>{attempt.HttpStatus}</h1></body></html>");
            return;
        }

        context.Response.ContentType = "application/json;charset=utf-8";
        await context.Response.WriteAsync(new JsonObject { ["errcode"] = errCode, ["errmsg"] = attempt.ErrMsg }.ToJsonString());
    }

    // Called under _lock. Injected faults first, then token, signature, content, rate; a rejected
    // message never counts toward the rate limit.
    private DingTalkAttempt Judge(string token, string timestamp, string sign, DingTalkMessage? message)
    {
        // Read under the lock, so the times the rate limit counts are in arrival order.
        var now = _clock.GetUtcNow();
        message = message is null ? null : message with { ReceivedAt = now };
        DingTalkAttempt Answer(int errCode, string errMsg) => new(now, 200, errCode, errMsg, message);

        if (_injectedStatuses.TryTake(out var status))
        {
            return new DingTalkAttempt(now, status, null, null, message);
        }

        if (_injectedErrors.TryTake(out var injected))
        {
            return Answer(injected.ErrCode, injected.ErrMsg);
        }

        if (token.Length == 0)
        {
            return Answer(DingTalkErrors.TokenInvalid, "token is invalid");
        }

        if (!_robots.TryGetValue(token, out var robot))
        {
            return Answer(DingTalkErrors.TokenNotExist, "token is not exist");
        }

        if (robot.Secret is { } secret)
        {
            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || sign.Length == 0)
            {
                return Answer(DingTalkErrors.SecurityCheckFailed, "sign not match");
            }

            var sent = DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
            if ((sent - now).Duration() > TimestampTolerance)
            {
                return Answer(DingTalkErrors.SecurityCheckFailed, "timestamp is invalid");
            }

            if (sign != ExpectedSign(secret, timestamp))
            {
                return Answer(DingTalkErrors.SecurityCheckFailed, "sign not match");
            }
        }

        if (message is null)
        {
            return Answer(DingTalkErrors.MissingJson, "missing parameter json");
        }

        if (robot.Keyword is { } keyword && !message.Text.Contains(keyword, StringComparison.Ordinal))
        {
            return Answer(DingTalkErrors.SecurityCheckFailed, "keywords not in content");
        }

        if (Encoding.UTF8.GetByteCount(message.Text) > MaxTextBytes)
        {
            return Answer(DingTalkErrors.MessageTooLong, "message too long, exceed 20000 bytes");
        }

        while (robot.Recent.TryPeek(out var oldest) && oldest <= now - RateWindow)
        {
            robot.Recent.Dequeue();
        }

        if (now < robot.ThrottledUntil)
        {
            return Answer(DingTalkErrors.SendTooFast, "send too fast, exceed 20 times per minute");
        }

        if (robot.Recent.Count >= MessagesPerWindow)
        {
            robot.ThrottledUntil = now + ThrottlePeriod;
            return Answer(DingTalkErrors.SendTooFast, "send too fast, exceed 20 times per minute");
        }

        robot.Recent.Enqueue(now);
        robot.Delivered.Add(message);
        return Answer(DingTalkErrors.Ok, "ok");
    }

    // The fake's own verifier, independent of the product's signer: Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
    private static string ExpectedSign(string secret, string timestamp)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(timestamp + "\n" + secret));
        return Convert.ToBase64String(mac);
    }

    // ReceivedAt is filled in by Judge.
    private static DingTalkMessage? Parse(JsonNode? body)
    {
        if (body is not JsonObject root || root["msgtype"] is not JsonValue type || !type.TryGetValue<string>(out var msgType))
        {
            return null;
        }

        string? title = null;
        string? text;
        switch (msgType)
        {
            case "markdown":
                title = String(root["markdown"]?["title"]);
                text = String(root["markdown"]?["text"]);
                if (title is null)
                {
                    return null;
                }

                break;
            case "text":
                text = String(root["text"]?["content"]);
                break;
            default:
                return null;
        }

        if (text is null)
        {
            return null;
        }

        var at = root["at"] as JsonObject;
        return new DingTalkMessage(
            msgType,
            title,
            text,
            Strings(at?["atMobiles"]),
            Strings(at?["atUserIds"]),
            at?["isAtAll"] is JsonValue all && all.TryGetValue<bool>(out var isAtAll) && isAtAll,
            default);
    }

    private static string? String(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(String).OfType<string>().ToList() : [];

    private sealed class Robot(string? secret, string? keyword)
    {
        public string? Secret { get; } = secret;

        public string? Keyword { get; } = keyword;

        public List<DingTalkMessage> Delivered { get; } = [];

        // Times of the messages accepted within the last RateWindow, oldest first.
        public Queue<DateTimeOffset> Recent { get; } = new();

        public DateTimeOffset ThrottledUntil { get; set; } = DateTimeOffset.MinValue;
    }
}
