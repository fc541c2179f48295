using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Eventer.Testing.Webhooks;

/// <summary>
/// Any JSON webhook receiver on loopback — what a user points the generic target at: <c>POST
/// /hooks/{name}</c>, answered <c>200 {"ok":true}</c>. Its point is the record: every body exactly as
/// sent, kept even when it is not JSON, with the parse error, so a test can prove the product's
/// templates produce valid JSON whatever the event text holds; and the headers, so a test can see
/// authentication and content types. It injects what a receiver does when it is unwell (5xx, 429 with
/// <c>Retry-After</c>, 400 with a body, slow answers, dropped connections), and can demand headers.
/// </summary>
public sealed class FakeWebhookReceiver : IAsyncDisposable
{
    private const string Ok = """{"ok":true}""";

    private readonly object _lock = new();
    private readonly Dictionary<string, IReadOnlyDictionary<string, string?>> _endpoints = [];
    private readonly List<WebhookRequest> _requests = [];
    private readonly InjectedAnswers<Injected> _injected = new();
    private readonly WebApplication _app;
    private readonly TimeProvider _clock;
    private int _dropConnections;

    private FakeWebhookReceiver(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// When true, a body that is not JSON is answered 400 as a strict receiver would; by default it is
    /// answered 200 like any other, so the product's mistake shows only in the record.
    /// </summary>
    public bool RejectInvalidJson { get; set; }

    /// <summary>
    /// Holds every answer this long (real time) after the request has been judged and recorded — a
    /// slow network or server, so a client that gives up cannot know whether its message arrived.
    /// </summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Starts the fake on a free loopback port; <paramref name="clock"/> stamps the records.</summary>
    public static async Task<FakeWebhookReceiver> StartAsync(TimeProvider? clock = null)
    {
        var app = FakeHost.Build();
        var fake = new FakeWebhookReceiver(app, clock ?? TimeProvider.System);
        app.Run(fake.ServeAsync);
        fake.Address = await FakeHost.StartAsync(app);
        return fake;
    }

    /// <summary>The URL of the endpoint <paramref name="name"/>.</summary>
    public string EndpointUrl(string name) => $"{Address}hooks/{Uri.EscapeDataString(name)}";

    /// <summary>
    /// Registers the endpoint <paramref name="name"/> and returns its URL. With
    /// <paramref name="requiredHeaders"/>, a request missing one of them (or with another value, where a
    /// value is given; null means any value) is answered 401. Registering again replaces them.
    /// </summary>
    public string RegisterEndpoint(string name, IReadOnlyDictionary<string, string?>? requiredHeaders = null)
    {
        lock (_lock)
        {
            _endpoints[name] = requiredHeaders ?? new Dictionary<string, string?>();
        }

        return EndpointUrl(name);
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any endpoint) with this status and body
    /// (<c>{"ok":false}</c> when none is given), e.g. 500, 503, 429 with
    /// <paramref name="retryAfterSeconds"/>, 400 with an error body. It is still recorded.
    /// </summary>
    public void RespondWith(int status, string? body = null, int count = 1, int? retryAfterSeconds = null, string contentType = "application/json") =>
        _injected.Add(new Injected(status, body ?? """{"ok":false}""", retryAfterSeconds, contentType), count);

    /// <summary>Aborts the connection of the next <paramref name="count"/> requests without reading or recording them.</summary>
    public void DropNextConnections(int count) => Interlocked.Add(ref _dropConnections, count);

    /// <summary>Every request to the endpoint <paramref name="name"/> (registered or not), however answered, in order.</summary>
    public IReadOnlyList<WebhookRequest> Received(string name)
    {
        lock (_lock)
        {
            return [.. _requests.Where(r => r.Endpoint == name)];
        }
    }

    /// <summary>The requests to <paramref name="name"/> that were answered 2xx: what the receiver took.</summary>
    public IReadOnlyList<WebhookRequest> Delivered(string name) =>
        [.. Received(name).Where(r => r.HttpStatus is >= 200 and < 300)];

    /// <summary>
    /// Whether <paramref name="name"/> received at least one request and every body it received parsed
    /// as JSON. False for none, so an assertion cannot pass because nothing arrived.
    /// </summary>
    public bool AllBodiesAreJson(string name)
    {
        var received = Received(name);
        return received.Count > 0 && received.All(r => r.IsJson);
    }

    /// <summary>The requests to <paramref name="name"/> whose body did not parse as JSON, with raw text and parse error.</summary>
    public IReadOnlyList<WebhookRequest> NotJson(string name) => [.. Received(name).Where(r => !r.IsJson)];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string Error(string message) => new JsonObject { ["ok"] = false, ["error"] = message }.ToJsonString();

    private async Task ServeAsync(HttpContext context)
    {
        if (FakeHost.TakeOne(ref _dropConnections))
        {
            context.Abort();
            return;
        }

        var body = await FakeHost.ReadBodyAsync(context);
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var name = path.StartsWith("/hooks/", StringComparison.Ordinal) ? Uri.UnescapeDataString(path["/hooks/".Length..]) : "";
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        string? parseError = "the body is empty";
        var json = body.Length == 0 ? null : FakeHost.TryParse(body, out parseError);

        WebhookRequest record;
        Injected answer;
        lock (_lock)
        {
            answer = Judge(name, request.Method, headers, parseError);
            record = new WebhookRequest(
                name,
                _clock.GetUtcNow(),
                request.Method,
                path + request.QueryString,
                request.ContentType,
                headers,
                Encoding.UTF8.GetString(body),
                json,
                parseError,
                answer.Status,
                answer.Body);
            _requests.Add(record);
        }

        if (!await FakeHost.DelayAsync(context, _app, ResponseDelay))
        {
            return;
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        if (answer.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(answer.Body);
    }

    // Called under _lock. Injected answers first, then the endpoint, the method, the headers, the JSON.
    private Injected Judge(string name, string method, Dictionary<string, string> headers, string? parseError)
    {
        static Injected Json(int status, string body) => new(status, body, null, "application/json");

        if (_injected.TryTake(out var injected))
        {
            return injected;
        }

        if (!_endpoints.TryGetValue(name, out var required))
        {
            return Json(404, Error("no such endpoint"));
        }

        if (method != HttpMethods.Post)
        {
            return Json(405, Error("method not allowed"));
        }

        foreach (var (header, value) in required)
        {
            if (!headers.TryGetValue(header, out var sent) || (value is not null && sent != value))
            {
                return Json(401, Error($"missing or wrong header {header}"));
            }
        }

        if (RejectInvalidJson && parseError is not null)
        {
            return Json(400, Error("invalid JSON"));
        }

        return Json(200, Ok);
    }

    private sealed record Injected(int Status, string Body, int? RetryAfterSeconds, string ContentType);
}
