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
/// silent watches and malformed lines. It also keeps coordination.k8s.io/v1 Leases (get, list,
/// create, replace with resourceVersion optimistic concurrency) for leader election. Tests
/// script it and point a kubeconfig at it.
/// </summary>
public sealed class FakeKubeApiServer : IAsyncDisposable
{
    public const string CoreV1 = "v1";
    public const string EventsV1 = "events.k8s.io/v1";
    public const string CoordinationV1 = "coordination.k8s.io/v1";

    private readonly object _lock = new();
    private readonly List<Change> _history = [];
    private readonly Dictionary<(string Api, string Uid), JsonObject> _objects = [];
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _leases = [];
    private readonly ConcurrentDictionary<Watch, byte> _watches = new();
    private readonly WebApplication _app;
    private long _resourceVersion = 1000;
    private long _compactedThrough;
    private ((string Api, string? Namespace, long Version) Key, List<string> Items)? _listSnapshot;

    private FakeKubeApiServer(WebApplication app) => _app = app;

    /// <summary>http://127.0.0.1:port</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>How a watch from a compacted resourceVersion is refused.</summary>
    public ExpiredAnswer ExpiredAnswer { get; set; } = ExpiredAnswer.ErrorLine;

    /// <summary>When set, new watches are accepted and then say nothing at all (no lines, no bookmarks).</summary>
    public bool SilentWatches { get; set; }

    /// <summary>When set, new watches are closed before their first line.</summary>
    public bool EndWatchesBeforeFirstLine { get; set; }

    /// <summary>While set, Event lists are held unanswered, as by a slow server; they are answered once it is cleared.</summary>
    public bool HoldLists { get; set; }

    /// <summary>
    /// How many changes are kept for watches that resume from a resourceVersion (unlimited by
    /// default); beyond it the oldest are compacted away, as etcd does, so a long-running simulated
    /// cluster does not keep every change it ever made.
    /// </summary>
    public int? HistoryLimit { get; set; }

    /// <summary>Every list and watch request, in order (path and query), for assertions.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int OpenWatches => _watches.Count;

    public long CurrentResourceVersion => Interlocked.Read(ref _resourceVersion);

    /// <summary>Starts the server on <paramref name="address"/> (loopback by default) and <paramref name="port"/> (a free one by default).</summary>
    public static async Task<FakeKubeApiServer> StartAsync(IPAddress? address = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(address ?? IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new FakeKubeApiServer(app);
        app.MapGet("/api/v1/events", ctx => server.ServeAsync(ctx, CoreV1, null));
        app.MapGet("/api/v1/namespaces/{ns}/events", ctx => server.ServeAsync(ctx, CoreV1, (string?)ctx.Request.RouteValues["ns"]));
        app.MapGet("/apis/events.k8s.io/v1/events", ctx => server.ServeAsync(ctx, EventsV1, null));
        app.MapGet("/apis/events.k8s.io/v1/namespaces/{ns}/events", ctx => server.ServeAsync(ctx, EventsV1, (string?)ctx.Request.RouteValues["ns"]));
        app.MapMethods("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases", ["GET", "POST"], server.ServeLeasesAsync);
        app.MapMethods("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}", ["GET", "PUT"], server.ServeLeasesAsync);
        await app.StartAsync();
        server.Address = new Uri(app.Urls.Single());
        return server;
    }

    /// <summary>The bearer token the server accepts; anything else is answered 401, as a real server does.</summary>
    public string Token { get; } = Guid.NewGuid().ToString("N");

    /// <summary>A kubeconfig (YAML) that points at this server (or at <paramref name="server"/>, its address as a client elsewhere sees it) with its bearer token.</summary>
    public string Kubeconfig(string? server = null) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: {{(server ?? Address.ToString()).TrimEnd('/')}}
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

    /// <summary>A copy of the stored Lease <paramref name="ns"/>/<paramref name="name"/>, or null.</summary>
    public JsonObject? Lease(string ns, string name)
    {
        lock (_lock)
        {
            return _leases.TryGetValue((ns, name), out var lease) ? lease.DeepClone().AsObject() : null;
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

    /// <summary>
    /// From now on, every list response has the JSON text <paramref name="standIn"/> (a string
    /// token, quotes included, such as <c>"\"@lone-surrogate\""</c>) replaced by <paramref name="json"/>
    /// verbatim: a test stores an Event with the stand-in and the list serves what JsonNode cannot
    /// hold, such as a lone surrogate escape. (Watch lines take raw text through <see cref="SendMalformedLine"/>.)
    /// </summary>
    public void ServeVerbatim(string standIn, string json) => _verbatim[standIn] = json;

    private string Verbatim(string body) =>
        _verbatim.Aggregate(body, (text, swap) => text.Replace(swap.Key, swap.Value, StringComparison.Ordinal));

    private readonly ConcurrentDictionary<string, string> _verbatim = new();

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
        if (HistoryLimit is { } limit && _history.Count > limit)
        {
            // Compaction, as etcd's: the oldest tenth goes, and a watch from before it gets 410.
            var drop = Math.Max(1, limit / 10);
            _compactedThrough = _history[drop - 1].ResourceVersion;
            _history.RemoveRange(0, drop);
        }

        foreach (var watch in _watches.Keys.Where(w => w.Matches(change)))
        {
            watch.Lines.Writer.TryWrite(change.Line());
        }

        return @event.DeepClone().AsObject();
    }

    private Task ServeAsync(HttpContext context, string api, string? ns)
    {
        Requests.Enqueue(context.Request.Path + context.Request.QueryString);
        if (!IsAuthorized(context))
        {
            return UnauthorizedAsync(context);
        }

        return context.Request.Query["watch"] is ["true" or "1"]
            ? WatchAsync(context, api, ns)
            : ListAsync(context, api, ns);
    }

    private bool IsAuthorized(HttpContext context) => context.Request.Headers.Authorization == $"Bearer {Token}";

    private static Task UnauthorizedAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Status(401, "Unauthorized", "Unauthorized").ToJsonString());
    }

    // Leases are not listed in Requests: tests count the Event lists and watches there.
    private async Task ServeLeasesAsync(HttpContext context)
    {
        if (!IsAuthorized(context))
        {
            await UnauthorizedAsync(context);
            return;
        }

        var ns = (string)context.Request.RouteValues["ns"]!;
        var name = (string?)context.Request.RouteValues["name"];
        JsonObject? body = null;
        if (HttpMethods.IsPost(context.Request.Method) || HttpMethods.IsPut(context.Request.Method))
        {
            try
            {
                body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                // Answered below as a body that is not an object.
            }
        }

        var (code, answer) = context.Request.Method switch
        {
            _ when HttpMethods.IsGet(context.Request.Method) && name is null => ListLeases(ns),
            _ when HttpMethods.IsGet(context.Request.Method) => GetLease(ns, name!),
            _ when body is null => (400, Status(400, "BadRequest", "the request body is not a JSON object")),
            _ when HttpMethods.IsPost(context.Request.Method) => CreateLease(ns, body),
            _ => ReplaceLease(ns, name!, body),
        };
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private (int, JsonObject) ListLeases(string ns)
    {
        lock (_lock)
        {
            var items = _leases.Where(l => l.Key.Namespace == ns).OrderBy(l => l.Key.Name, StringComparer.Ordinal).Select(l => l.Value.DeepClone());
            return (200, new JsonObject
            {
                ["kind"] = "LeaseList",
                ["apiVersion"] = CoordinationV1,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray(items.ToArray()),
            });
        }
    }

    private (int, JsonObject) GetLease(string ns, string name)
    {
        lock (_lock)
        {
            return _leases.TryGetValue((ns, name), out var lease)
                ? (200, lease.DeepClone().AsObject())
                : (404, LeaseStatus(404, "NotFound", name, $"leases.coordination.k8s.io \"{name}\" not found"));
        }
    }

    private (int, JsonObject) CreateLease(string ns, JsonObject body)
    {
        var name = (string?)body["metadata"]?["name"];
        if (string.IsNullOrEmpty(name))
        {
            return (422, LeaseStatus(422, "Invalid", "", "Lease.coordination.k8s.io \"\" is invalid: metadata.name: Required value: name or generateName is required"));
        }

        if (NamespaceMismatch(ns, body) is { } mismatch)
        {
            return mismatch;
        }

        lock (_lock)
        {
            if (_leases.ContainsKey((ns, name)))
            {
                return (409, LeaseStatus(409, "AlreadyExists", name, $"leases.coordination.k8s.io \"{name}\" already exists"));
            }

            return StoreLease(ns, name, body, existing: null);
        }
    }

    private (int, JsonObject) ReplaceLease(string ns, string name, JsonObject body)
    {
        var bodyName = (string?)body["metadata"]?["name"];
        if (bodyName != name)
        {
            return (400, Status(400, "BadRequest", $"the name of the object ({bodyName}) does not match the name on the URL ({name})"));
        }

        if (NamespaceMismatch(ns, body) is { } mismatch)
        {
            return mismatch;
        }

        lock (_lock)
        {
            if (!_leases.TryGetValue((ns, name), out var existing))
            {
                // A Lease, unlike most kinds, may be created by a PUT.
                return StoreLease(ns, name, body, existing: null);
            }

            var resourceVersion = (string?)body["metadata"]?["resourceVersion"];
            if (string.IsNullOrEmpty(resourceVersion))
            {
                return (422, LeaseStatus(422, "Invalid", name,
                    $"Lease.coordination.k8s.io \"{name}\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"));
            }

            if (resourceVersion != (string?)existing["metadata"]!["resourceVersion"])
            {
                return (409, LeaseStatus(409, "Conflict", name,
                    $"Operation cannot be fulfilled on leases.coordination.k8s.io \"{name}\": the object has been modified; please apply your changes to the latest version and try again"));
            }

            return StoreLease(ns, name, body, existing);
        }
    }

    /// <summary>Stores a Lease as the server would: its own uid, creation time and a new resourceVersion; MicroTime fields in microseconds.</summary>
    private (int, JsonObject) StoreLease(string ns, string name, JsonObject body, JsonObject? existing)
    {
        var spec = body["spec"]?.DeepClone() as JsonObject ?? [];
        foreach (var field in new[] { "acquireTime", "renewTime" })
        {
            if (spec[field] is JsonValue value && value.TryGetValue<string>(out var text))
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                {
                    return (400, Status(400, "BadRequest", $"spec.{field}: cannot parse \"{text}\" as RFC3339 time"));
                }

                spec[field] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
            }
        }

        var metadata = body["metadata"]!.DeepClone().AsObject();
        metadata["name"] = name;
        metadata["namespace"] = ns;
        metadata["uid"] = existing?["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = existing?["metadata"]?["creationTimestamp"]?.DeepClone()
            ?? DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        metadata["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        var lease = new JsonObject
        {
            ["kind"] = "Lease",
            ["apiVersion"] = CoordinationV1,
            ["metadata"] = metadata,
            ["spec"] = spec,
        };
        _leases[(ns, name)] = lease;
        return (existing is null ? 201 : 200, lease.DeepClone().AsObject());
    }

    private static (int, JsonObject)? NamespaceMismatch(string ns, JsonObject body) =>
        body["metadata"]?["namespace"] is JsonValue value && (string?)value is { Length: > 0 } bodyNamespace && bodyNamespace != ns
            ? (400, Status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"))
            : null;

    private static JsonObject LeaseStatus(int code, string reason, string name, string message)
    {
        var status = Status(code, reason, message);
        status["details"] = new JsonObject { ["name"] = name, ["group"] = "coordination.k8s.io", ["kind"] = "leases" };
        return status;
    }

    private async Task ListAsync(HttpContext context, string api, string? ns)
    {
        while (HoldLists)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), context.RequestAborted);
        }

        var limit = int.TryParse(context.Request.Query["limit"], out var l) && l > 0 ? l : int.MaxValue;
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

        // Every page of one list comes from the same snapshot, as a real server's do; it is
        // sorted and serialized once, so a list of 100,000 costs the fake little.
        var snapshot = ListSnapshot(api, ns, listVersion);
        var items = snapshot.Skip(offset).Take(limit).ToList();
        string? next = offset + items.Count < snapshot.Count
            ? Convert.ToBase64String(Encoding.UTF8.GetBytes($"{listVersion}:{offset + items.Count}"))
            : null;

        var metadata = new JsonObject { ["resourceVersion"] = listVersion.ToString(CultureInfo.InvariantCulture) };
        if (next is not null)
        {
            metadata["continue"] = next;
        }

        var head = new JsonObject { ["kind"] = "EventList", ["apiVersion"] = api, ["metadata"] = metadata }.ToJsonString();
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Verbatim($"{head[..^1]},\"items\":[{string.Join(',', items)}]}}"));
    }

    /// <summary>The serialized Events a list at <paramref name="listVersion"/> returns, sorted as the server does (namespace, name).</summary>
    private List<string> ListSnapshot(string api, string? ns, long listVersion)
    {
        lock (_lock)
        {
            if (_listSnapshot is { } cached && cached.Key == (api, ns, listVersion))
            {
                return cached.Items;
            }

            var items = _objects
                .Where(o => o.Key.Api == api && (ns is null || Namespace(o.Value) == ns))
                .Select(o => o.Value)
                .OrderBy(o => (string?)o["metadata"]!["namespace"], StringComparer.Ordinal)
                .ThenBy(o => (string?)o["metadata"]!["name"], StringComparer.Ordinal)
                .Select(o => o.ToJsonString())
                .ToList();
            _listSnapshot = ((api, ns, listVersion), items);
            return items;
        }
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
