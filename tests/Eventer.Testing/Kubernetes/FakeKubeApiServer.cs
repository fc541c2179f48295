using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Eventer.Testing.Kubernetes;

/// <summary>
/// A kube-apiserver for Events, on loopback, speaking the real list/watch protocol for core/v1
/// (<c>/api/v1/events</c>) and events.k8s.io/v1 (<c>/apis/events.k8s.io/v1/events</c>): paged
/// lists with a resourceVersion, chunked newline-delimited watch JSON with ADDED, MODIFIED,
/// DELETED and BOOKMARK lines, and the faults real servers produce — a resourceVersion older
/// than the compacted history answered by an ERROR line with a <c>kind: Status</c> 410 Expired or
/// by an HTTP 410, watches closed by the server, watches that end before their first line,
/// silent watches and malformed lines. Tests script it and point a kubeconfig at it.
/// </summary>
public sealed class FakeKubeApiServer : IAsyncDisposable
{
    public const string CoreV1 = "v1";
    public const string EventsV1 = "events.k8s.io/v1";

    private readonly object _lock = new();
    private readonly List<Change> _history = [];
    private readonly Dictionary<(string Api, string Uid), JsonObject> _objects = [];
    private readonly ConcurrentDictionary<Watch, byte> _watches = new();
    private readonly WebApplication _app;
    private long _resourceVersion = 1000;
    private long _compactedThrough;

    private FakeKubeApiServer(WebApplication app) => _app = app;

    /// <summary>http://127.0.0.1:port</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>How a watch from a compacted resourceVersion is refused.</summary>
    public ExpiredAnswer ExpiredAnswer { get; set; } = ExpiredAnswer.ErrorLine;

    /// <summary>When set, new watches are accepted and then say nothing at all (no lines, no bookmarks).</summary>
    public bool SilentWatches { get; set; }

    /// <summary>When set, new watches are closed before their first line.</summary>
    public bool EndWatchesBeforeFirstLine { get; set; }

    /// <summary>Every list and watch request, in order (path and query), for assertions.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int OpenWatches => _watches.Count;

    public long CurrentResourceVersion => Interlocked.Read(ref _resourceVersion);

    public static async Task<FakeKubeApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeKubeApiServer(app);
        app.MapGet("/api/v1/events", ctx => server.ServeAsync(ctx, CoreV1, null));
        app.MapGet("/api/v1/namespaces/{ns}/events", ctx => server.ServeAsync(ctx, CoreV1, (string?)ctx.Request.RouteValues["ns"]));
        app.MapGet("/apis/events.k8s.io/v1/events", ctx => server.ServeAsync(ctx, EventsV1, null));
        app.MapGet("/apis/events.k8s.io/v1/namespaces/{ns}/events", ctx => server.ServeAsync(ctx, EventsV1, (string?)ctx.Request.RouteValues["ns"]));
        await app.StartAsync();
        var address = app.Urls.Single();
        server.Address = new Uri(address);
        return server;
    }

    /// <summary>The bearer token the server accepts; anything else is answered 401, as a real server does.</summary>
    public string Token { get; } = Guid.NewGuid().ToString("N");

    /// <summary>A kubeconfig (YAML) that points at this server with its bearer token.</summary>
    public string Kubeconfig() => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: {{Address.ToString().TrimEnd('/')}}
        contexts:
        - name: fake
          context:
            cluster: fake
            user: fake
        current-context: fake
        users:
        - name: fake
          user:
            token: {{Token}}
        """;

    /// <summary>Writes <see cref="Kubeconfig"/> to a temporary file and returns its path.</summary>
    public string WriteKubeconfig()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eventer-kubeconfig-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Kubeconfig());
        return path;
    }

    /// <summary>Creates an Event (an ADDED line); its uid and resourceVersion are assigned here.</summary>
    public JsonObject Add(JsonObject @event)
    {
        var api = ApiOf(@event);
        lock (_lock)
        {
            var metadata = @event["metadata"]!.AsObject();
            metadata["uid"] ??= Guid.NewGuid().ToString();
            metadata["creationTimestamp"] ??= DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var uid = (string)metadata["uid"]!;
            return Record(api, uid, "ADDED", @event);
        }
    }

    /// <summary>Changes a stored Event (a MODIFIED line), e.g. raising its count.</summary>
    public JsonObject Modify(string uid, Action<JsonObject> change, string api = CoreV1)
    {
        lock (_lock)
        {
            var current = _objects[(api, uid)].DeepClone().AsObject();
            change(current);
            return Record(api, uid, "MODIFIED", current);
        }
    }

    /// <summary>Deletes a stored Event (a DELETED line), as the event TTL does.</summary>
    public void Delete(string uid, string api = CoreV1)
    {
        lock (_lock)
        {
            var current = _objects[(api, uid)].DeepClone().AsObject();
            Record(api, uid, "DELETED", current);
        }
    }

    /// <summary>The stored Events of one API.</summary>
    public IReadOnlyList<JsonObject> Events(string api = CoreV1)
    {
        lock (_lock)
        {
            return _objects.Where(o => o.Key.Api == api).Select(o => o.Value.DeepClone().AsObject()).ToList();
        }
    }

    /// <summary>
    /// Expires every open watch's resourceVersion, as compaction does: with
    /// <see cref="ExpiredAnswer.ErrorLine"/> each open watch gets an ERROR line with a 410 Status
    /// and ends; with <see cref="ExpiredAnswer.HttpStatus"/> each ends and the client's next watch
    /// from its old resourceVersion is refused with HTTP 410. A fresh list works again.
    /// </summary>
    public void ExpireOpenWatches()
    {
        lock (_lock)
        {
            _compactedThrough = ++_resourceVersion;
            _history.Clear();
        }

        foreach (var watch in _watches.Keys)
        {
            if (ExpiredAnswer == ExpiredAnswer.ErrorLine)
            {
                watch.Lines.Writer.TryWrite(ExpiredLine(watch.FromResourceVersion));
            }

            watch.Lines.Writer.TryComplete();
        }
    }

    /// <summary>Closes every open watch normally (the end of a chunked response).</summary>
    public void CloseOpenWatches()
    {
        foreach (var watch in _watches.Keys)
        {
            watch.Lines.Writer.TryComplete();
        }
    }

    /// <summary>Sends every open watch a BOOKMARK at the current resourceVersion.</summary>
    public void SendBookmark()
    {
        foreach (var watch in _watches.Keys)
        {
            var kind = watch.Api == CoreV1 ? "v1" : EventsV1;
            watch.Lines.Writer.TryWrite(new JsonObject
            {
                ["type"] = "BOOKMARK",
                ["object"] = new JsonObject
                {
                    ["kind"] = "Event",
                    ["apiVersion"] = kind,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = CurrentResourceVersion.ToString(CultureInfo.InvariantCulture) },
                },
            }.ToJsonString());
        }
    }

    /// <summary>Sends every open watch a line that is not JSON.</summary>
    public void SendMalformedLine(string line = "{\"type\":\"ADDED\",\"object\":{\"kind\":")
    {
        foreach (var watch in _watches.Keys)
        {
            watch.Lines.Writer.TryWrite(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        CloseOpenWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private JsonObject Record(string api, string uid, string type, JsonObject @event)
    {
        var rv = ++_resourceVersion;
        @event["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        if (type == "DELETED")
        {
            _objects.Remove((api, uid));
        }
        else
        {
            _objects[(api, uid)] = @event.DeepClone().AsObject();
        }

        var change = new Change(api, rv, type, @event.DeepClone().AsObject());
        _history.Add(change);
        foreach (var watch in _watches.Keys.Where(w => w.Matches(change)))
        {
            watch.Lines.Writer.TryWrite(change.Line());
        }

        return @event.DeepClone().AsObject();
    }

    private Task ServeAsync(HttpContext context, string api, string? ns)
    {
        Requests.Enqueue(context.Request.Path + context.Request.QueryString);
        if (context.Request.Headers.Authorization != $"Bearer {Token}")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(Status(401, "Unauthorized", "Unauthorized").ToJsonString());
        }

        return context.Request.Query["watch"] is ["true" or "1"]
            ? WatchAsync(context, api, ns)
            : ListAsync(context, api, ns);
    }

    private async Task ListAsync(HttpContext context, string api, string? ns)
    {
        var limit = int.TryParse(context.Request.Query["limit"], out var l) && l > 0 ? l : int.MaxValue;
        List<JsonObject> items;
        long listVersion;
        var offset = 0;
        if (context.Request.Query["continue"] is [{ Length: > 0 } token])
        {
            // The continue token carries the list's snapshot version and the offset into it.
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':');
            listVersion = long.Parse(parts[0], CultureInfo.InvariantCulture);
            offset = int.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        else
        {
            lock (_lock)
            {
                listVersion = _resourceVersion;
            }
        }

        lock (_lock)
        {
            items = _objects
                .Where(o => o.Key.Api == api && (ns is null || Namespace(o.Value) == ns))
                .Select(o => o.Value)
                .OrderBy(o => (string?)o["metadata"]!["namespace"], StringComparer.Ordinal)
                .ThenBy(o => (string?)o["metadata"]!["name"], StringComparer.Ordinal)
                .Skip(offset)
                .Take(limit == int.MaxValue ? int.MaxValue : limit + 1)
                .Select(o => o.DeepClone())
                .ToList()!.Cast<JsonObject>().ToList();
        }

        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(items.Count - 1);
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{listVersion}:{offset + limit}"));
        }

        var metadata = new JsonObject { ["resourceVersion"] = listVersion.ToString(CultureInfo.InvariantCulture) };
        if (next is not null)
        {
            metadata["continue"] = next;
        }

        var list = new JsonObject
        {
            ["kind"] = "EventList",
            ["apiVersion"] = api,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(items.ToArray<JsonNode?>()),
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(list.ToJsonString());
    }

    private async Task WatchAsync(HttpContext context, string api, string? ns)
    {
        var from = long.TryParse(context.Request.Query["resourceVersion"], CultureInfo.InvariantCulture, out var rv) ? rv : 0;
        var timeout = int.TryParse(context.Request.Query["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var bookmarks = context.Request.Query["allowWatchBookmarks"] is ["true"];

        if (EndWatchesBeforeFirstLine)
        {
            // The connection goes away with no status line body at all: the client sees the stream end or break.
            context.Abort();
            return;
        }

        var watch = new Watch(api, ns, from, bookmarks);
        bool expired;
        lock (_lock)
        {
            expired = from != 0 && from < _compactedThrough;
            if (!expired)
            {
                var backlog = from == 0
                    ? _objects.Where(o => o.Key.Api == api).Select(o => new Change(api, 0, "ADDED", o.Value.DeepClone().AsObject()))
                    : _history.Where(c => c.ResourceVersion > from);
                foreach (var change in backlog.Where(watch.Matches))
                {
                    watch.Lines.Writer.TryWrite(change.Line());
                }

                _watches[watch] = 0;
            }
        }

        if (expired && ExpiredAnswer == ExpiredAnswer.HttpStatus)
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Status410(from).ToJsonString());
            return;
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync();
        if (expired)
        {
            await WriteLineAsync(context, ExpiredLine(from));
            return;
        }

        using var serverTimeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        serverTimeout.CancelAfter(timeout);
        try
        {
            if (SilentWatches)
            {
                await Task.Delay(Timeout.Infinite, serverTimeout.Token);
            }

            await foreach (var line in watch.Lines.Reader.ReadAllAsync(serverTimeout.Token))
            {
                await WriteLineAsync(context, line);
            }
        }
        catch (OperationCanceledException)
        {
            // Server-side timeout or the client went away: the response simply ends.
        }
        finally
        {
            _watches.TryRemove(watch, out _);
        }
    }

    private static async Task WriteLineAsync(HttpContext context, string line)
    {
        await context.Response.WriteAsync(line + "\n");
        await context.Response.Body.FlushAsync();
    }

    private static string ExpiredLine(long from) =>
        new JsonObject { ["type"] = "ERROR", ["object"] = Status410(from) }.ToJsonString();

    private static JsonObject Status410(long from) => Status(410, "Expired", $"too old resource version: {from} ({from + 1})");

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static string ApiOf(JsonObject @event) =>
        (string?)@event["apiVersion"] == EventsV1 ? EventsV1 : CoreV1;

    private static string? Namespace(JsonObject @event) => (string?)@event["metadata"]?["namespace"];

    private sealed record Change(string Api, long ResourceVersion, string Type, JsonObject Object)
    {
        public string Line() => new JsonObject { ["type"] = Type, ["object"] = Object.DeepClone() }.ToJsonString();
    }

    private sealed class Watch(string api, string? ns, long from, bool bookmarks)
    {
        public string Api { get; } = api;

        public long FromResourceVersion { get; } = from;

        public bool Bookmarks { get; } = bookmarks;

        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public bool Matches(Change change) => change.Api == Api && (ns is null || Namespace(change.Object) == ns);
    }
}

/// <summary>The two ways a real API server refuses a watch from an expired resourceVersion.</summary>
public enum ExpiredAnswer
{
    /// <summary>200, then an <c>ERROR</c> line whose object is a <c>kind: Status</c> with code 410.</summary>
    ErrorLine,

    /// <summary>HTTP 410 Gone with a Status body.</summary>
    HttpStatus,
}
