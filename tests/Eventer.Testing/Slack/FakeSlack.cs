using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Eventer.Testing.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Eventer.Testing.Slack;

/// <summary>
/// Slack's incoming webhooks on loopback, speaking the real protocol: <c>POST /services/T…/B…/secret</c>
/// with a JSON message, answered by an HTTP status and a plain-text body (<c>200 ok</c>,
/// <c>400 invalid_payload</c>, <c>404 no_service</c>, <c>410 channel_is_archived</c>,
/// <c>429 rate_limited</c> with <c>Retry-After</c>, …). Unlike Feishu and WeCom, Slack's status is
/// the verdict, so a client that reads only the status is right here and the fake must get the
/// statuses right. It checks what Slack checks — the hook, its channel's state, the content type, the
/// message's shape and Block Kit limits, one message a second per hook with a short burst — and injects
/// the faults Slack produces (<c>500 rollup_error</c>, 503s, slow answers, dropped connections).
/// </summary>
/// <remarks>
/// Assumptions where Slack documents nothing, kept simple and strict: lengths count Unicode characters
/// (code points); an empty text object is <c>invalid_blocks</c>; only accepted messages fill the rate
/// bucket; a request other than POST is answered 405. Slack truncates a top-level <c>text</c> over
/// 40,000 characters rather than refusing it, so the fake accepts it too.
/// </remarks>
public sealed class FakeSlack : IAsyncDisposable
{
    /// <summary>Blocks a message may have.</summary>
    public const int MaxBlocks = 50;

    /// <summary>Characters in a section block's <c>text</c>.</summary>
    public const int MaxSectionTextChars = 3_000;

    /// <summary>Characters in each of a section block's <c>fields</c>.</summary>
    public const int MaxSectionFieldChars = 2_000;

    /// <summary>Fields a section block may have.</summary>
    public const int MaxSectionFields = 10;

    /// <summary>Characters in a header block's plain text.</summary>
    public const int MaxHeaderTextChars = 150;

    /// <summary>Characters across all of a message's <c>markdown</c> blocks.</summary>
    public const int MaxMarkdownBlockChars = 12_000;

    /// <summary>Elements a context block may have.</summary>
    public const int MaxContextElements = 10;

    /// <summary>Legacy attachments a message may have.</summary>
    public const int MaxAttachments = 100;

    // The displayed text values of a message: block text objects, the top-level fallback, legacy attachments.
    private static readonly HashSet<string> TextNames = ["text", "pretext", "fallback", "title", "footer", "author_name"];

    private static readonly HashSet<string> BlockTypes =
        ["section", "header", "context", "divider", "actions", "image", "markdown", "rich_text", "input", "file", "video"];

    // The special forms a '<' can open; a plain '<' is markup as well (a link), since correct escaping writes &lt;.
    private static readonly string[] LiveForms = ["<!here", "<!channel", "<!everyone", "<!subteam", "<@", "<#"];

    private readonly object _lock = new();
    private readonly Dictionary<string, Hook> _hooks = [];
    private readonly Dictionary<string, Hook> _hooksByPath = [];
    private readonly List<SlackAttempt> _attempts = [];
    private readonly InjectedAnswers<(int Status, string Body, int? RetryAfter)> _injected = new();
    private readonly WebApplication _app;
    private readonly TimeProvider _clock;
    private int _dropConnections;

    private FakeSlack(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// How many messages a hook may send at once before the one-a-second pace applies: the size of
    /// each hook's leaky bucket. Slack allows "short bursts" without a number; keep it small.
    /// </summary>
    public int Burst { get; set; } = 5;

    /// <summary>How fast each hook's bucket drains: Slack's documented one message a second.</summary>
    public double MessagesPerSecond { get; set; } = 1;

    /// <summary>
    /// Holds every answer this long (real time) after the request has been judged and recorded — a
    /// slow network or server, so a client that gives up cannot know whether its message arrived.
    /// </summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Every request the fake received, known path or not, in order.</summary>
    public IReadOnlyList<SlackAttempt> AllAttempts
    {
        get
        {
            lock (_lock)
            {
                return [.. _attempts];
            }
        }
    }

    /// <summary>Starts the fake on a free loopback port; <paramref name="clock"/> drives the rate limit and the records' times.</summary>
    public static async Task<FakeSlack> StartAsync(TimeProvider? clock = null)
    {
        var app = FakeHost.Build();
        var fake = new FakeSlack(app, clock ?? TimeProvider.System);
        app.Run(fake.ServeAsync);
        fake.Address = await FakeHost.StartAsync(app);
        return fake;
    }

    /// <summary>
    /// Registers an active hook under <paramref name="name"/> (a name for the test; Slack never sees it)
    /// and returns its webhook URL, a fresh <c>/services/T…/B…/secret</c>. Registering a name again
    /// returns the URL it already has.
    /// </summary>
    public string RegisterHook(string name)
    {
        lock (_lock)
        {
            if (!_hooks.TryGetValue(name, out var hook))
            {
                var path = $"/services/T{Random(8)}/B{Random(10)}/{Random(24)}";
                hook = new Hook(name, path);
                _hooks[name] = hook;
                _hooksByPath[path] = hook;
            }

            return Address + hook.Path.TrimStart('/');
        }
    }

    /// <summary>The webhook URL of the hook registered as <paramref name="name"/>.</summary>
    public string HookUrl(string name)
    {
        lock (_lock)
        {
            return Address + Known(name).Path.TrimStart('/');
        }
    }

    /// <summary>Archives, removes, restricts or restores the hook <paramref name="name"/>; its URL stays the same.</summary>
    public void SetHookState(string name, SlackHookState state)
    {
        lock (_lock)
        {
            Known(name).State = state;
        }
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any path) with this status and plain-text
    /// body, e.g. 500 <c>rollup_error</c>, 503 with an empty body, 429 <c>rate_limited</c> with a
    /// <paramref name="retryAfterSeconds"/>. Nothing is delivered.
    /// </summary>
    public void RespondWithStatus(int status, string body = "", int count = 1, int? retryAfterSeconds = null) =>
        _injected.Add((status, body, retryAfterSeconds), count);

    /// <summary>Aborts the connection of the next <paramref name="count"/> requests without reading or recording them.</summary>
    public void DropNextConnections(int count) => Interlocked.Add(ref _dropConnections, count);

    /// <summary>The messages accepted for the hook <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<SlackMessage> Delivered(string name)
    {
        lock (_lock)
        {
            return _hooks.TryGetValue(name, out var hook) ? [.. hook.Delivered] : [];
        }
    }

    /// <summary>Every request to the hook <paramref name="name"/>'s URL, accepted or rejected, in order.</summary>
    public IReadOnlyList<SlackAttempt> Attempts(string name)
    {
        lock (_lock)
        {
            return [.. _attempts.Where(a => a.Hook == name)];
        }
    }

    /// <summary>
    /// The live markup in <paramref name="message"/>: every '<c>&lt;</c>' in a displayed text value
    /// (correct escaping writes <c>&amp;lt;</c>, so any '<c>&lt;</c>' is a link or a mention Slack would
    /// act on), named by the form it opens — <c>&lt;!here</c>, <c>&lt;!channel</c>,
    /// <c>&lt;!everyone</c>, <c>&lt;!subteam</c>, <c>&lt;@</c>, <c>&lt;#</c>, or just <c>&lt;</c> — and
    /// any <c>link_names</c> or <c>parse</c> field, which turn a plain <c>@here</c> into a mention.
    /// Plain-text objects are checked too: they must not carry <c>&lt;!channel&gt;</c> either.
    /// </summary>
    public static IReadOnlyList<MarkupFinding> LiveMarkup(JsonNode message)
    {
        var findings = new List<MarkupFinding>();
        foreach (var place in JsonWalk.Nodes(message))
        {
            if (place.Name is "link_names" or "parse")
            {
                findings.Add(new MarkupFinding(place.Path, place.Name, place.Node?.ToJsonString() ?? "null"));
            }
        }

        foreach (var (path, text) in JsonWalk.StringsNamed(message, TextNames))
        {
            foreach (var (index, match) in MarkupText.Occurrences(text, "<"))
            {
                var kind = LiveForms.FirstOrDefault(f => string.CompareOrdinal(text, index, f, 0, f.Length) == 0) ?? "<";
                findings.Add(new MarkupFinding(path, kind, match));
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

    private static string Random(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", length);

    private static int Chars(string text) => text.EnumerateRunes().Count();

    // Called under _lock.
    private Hook Known(string name) =>
        _hooks.TryGetValue(name, out var hook) ? hook : throw new InvalidOperationException($"No hook is registered as '{name}'.");

    private async Task ServeAsync(HttpContext context)
    {
        if (FakeHost.TakeOne(ref _dropConnections))
        {
            context.Abort();
            return;
        }

        var raw = Encoding.UTF8.GetString(await FakeHost.ReadBodyAsync(context));
        var request = context.Request;
        SlackAttempt attempt;
        lock (_lock)
        {
            attempt = Judge(request.Method, request.Path.Value ?? "", request.ContentType, raw);
            _attempts.Add(attempt);
        }

        if (!await FakeHost.DelayAsync(context, _app, ResponseDelay))
        {
            return;
        }

        context.Response.StatusCode = attempt.HttpStatus;
        context.Response.ContentType = "text/html";
        if (attempt.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(attempt.ResponseBody);
    }

    // Called under _lock. Injected faults first, then the hook, its state, the content, the rate; a
    // rejected message never fills the bucket.
    private SlackAttempt Judge(string method, string path, string? contentType, string raw)
    {
        var now = _clock.GetUtcNow();
        _hooksByPath.TryGetValue(path, out var hook);
        SlackAttempt Answer(int status, string body, int? retryAfter = null) =>
            new(now, hook?.Name, path, status, body, retryAfter, raw, contentType);

        if (_injected.TryTake(out var injected))
        {
            return Answer(injected.Status, injected.Body, injected.RetryAfter);
        }

        if (hook is null)
        {
            return Answer(404, "no_service");
        }

        if (method != HttpMethods.Post)
        {
            return Answer(405, "method_not_allowed");
        }

        switch (hook.State)
        {
            case SlackHookState.Removed:
                return Answer(404, "no_team");
            case SlackHookState.Archived:
                return Answer(410, "channel_is_archived");
            case SlackHookState.ChannelNotFound:
                return Answer(404, "channel_not_found");
            case SlackHookState.Prohibited:
                return Answer(403, "action_prohibited");
            case SlackHookState.GeneralChannelDenied:
                return Answer(403, "posting_to_general_channel_denied");
        }

        if (Payload(contentType, raw) is not { } json || FakeHost.TryParse(Encoding.UTF8.GetBytes(json), out _) is not JsonObject message)
        {
            return Answer(400, "invalid_payload");
        }

        if (Reject(message) is { } refusal)
        {
            return Answer(400, refusal);
        }

        var elapsed = (now - hook.LeakedAt).TotalSeconds;
        if (elapsed > 0)
        {
            hook.Level = Math.Max(0, hook.Level - (elapsed * MessagesPerSecond));
            hook.LeakedAt = now;
        }

        if (hook.Level + 1 > Burst + 1e-9)
        {
            var wait = (int)Math.Ceiling((hook.Level + 1 - Burst) / MessagesPerSecond);
            return Answer(429, "rate_limited", Math.Max(1, wait));
        }

        hook.Level += 1;
        hook.Delivered.Add(new SlackMessage(hook.Name, json, message, [.. JsonWalk.StringsNamed(message, TextNames).Select(t => t.Value)], now));
        return Answer(200, "ok");
    }

    // The JSON a request carries: the body for application/json, the payload field of a form post (Slack
    // still accepts that legacy form); null for anything else.
    private static string? Payload(string? contentType, string raw)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return null;
        }

        if (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return raw;
        }

        if (media.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            && QueryHelpers.ParseQuery(raw).TryGetValue("payload", out var payload))
        {
            return payload.ToString();
        }

        return null;
    }

    // The plain-text error for a message Slack would refuse, or null.
    private static string? Reject(JsonObject message)
    {
        var text = message["text"];
        if (text is not null && JsonWalk.String(text) is null)
        {
            return "invalid_payload";
        }

        var attachments = message["attachments"];
        if (attachments is not null and not JsonArray)
        {
            return "invalid_payload";
        }

        if (attachments is JsonArray { Count: > MaxAttachments })
        {
            return "too_many_attachments";
        }

        var blocks = message["blocks"];
        if (blocks is not null and not JsonArray)
        {
            return "invalid_blocks";
        }

        if (string.IsNullOrEmpty(JsonWalk.String(text)) && blocks is not JsonArray { Count: > 0 } && attachments is not JsonArray { Count: > 0 })
        {
            return "no_text";
        }

        return blocks is JsonArray array && !ValidBlocks(array) ? "invalid_blocks" : null;
    }

    private static bool ValidBlocks(JsonArray blocks)
    {
        if (blocks.Count > MaxBlocks)
        {
            return false;
        }

        var markdownChars = 0;
        foreach (var node in blocks)
        {
            if (node is not JsonObject block || JsonWalk.String(block["type"]) is not { } type || !BlockTypes.Contains(type))
            {
                return false;
            }

            switch (type)
            {
                case "section":
                    if (block["text"] is null && block["fields"] is null)
                    {
                        return false;
                    }

                    if (block["text"] is { } sectionText && !ValidText(sectionText, MaxSectionTextChars, plainOnly: false))
                    {
                        return false;
                    }

                    if (block["fields"] is { } fields
                        && (fields is not JsonArray list || list.Count is 0 or > MaxSectionFields || !list.All(f => ValidText(f, MaxSectionFieldChars, plainOnly: false))))
                    {
                        return false;
                    }

                    break;
                case "header":
                    if (!ValidText(block["text"], MaxHeaderTextChars, plainOnly: true))
                    {
                        return false;
                    }

                    break;
                case "context":
                    if (block["elements"] is not JsonArray { Count: > 0 and <= MaxContextElements } elements
                        || !elements.All(e => JsonWalk.String(e?["type"]) == "image" || ValidText(e, int.MaxValue, plainOnly: false)))
                    {
                        return false;
                    }

                    break;
                case "markdown":
                    if (JsonWalk.String(block["text"]) is not { Length: > 0 } markdown)
                    {
                        return false;
                    }

                    markdownChars += Chars(markdown);
                    if (markdownChars > MaxMarkdownBlockChars)
                    {
                        return false;
                    }

                    break;
            }
        }

        return true;
    }

    // A Block Kit text object: {"type":"plain_text"|"mrkdwn","text":"…"} with 1..max characters.
    private static bool ValidText(JsonNode? node, int maxChars, bool plainOnly) =>
        node is JsonObject obj
        && JsonWalk.String(obj["type"]) is { } type
        && (type == "plain_text" || (!plainOnly && type == "mrkdwn"))
        && JsonWalk.String(obj["text"]) is { Length: > 0 } text
        && Chars(text) <= maxChars;

    private sealed class Hook(string name, string path)
    {
        public string Name { get; } = name;

        public string Path { get; } = path;

        public SlackHookState State { get; set; } = SlackHookState.Active;

        public List<SlackMessage> Delivered { get; } = [];

        // The leaky bucket: how full it was at LeakedAt.
        public double Level { get; set; }

        public DateTimeOffset LeakedAt { get; set; } = DateTimeOffset.MinValue;
    }
}
