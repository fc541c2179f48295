using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Eventer.Testing.Elasticsearch;

/// <summary>
/// Elasticsearch 7.17/8.x/9.x or OpenSearch 2.x on loopback, speaking each one's wire rules closely enough
/// for an indexer's tests: <c>GET /</c> and the <c>X-Elastic-Product</c> header, REST-compatibility media
/// types, gzip bodies and <c>http.max_content_length</c>, basic/API-key auth, composable index templates,
/// ILM or ISM policies, data streams and plain indices, and <c>_bulk</c> with per-item results in request
/// order, mapping checks and <c>filter_path</c>. It keeps what it accepted so tests can count it, and injects
/// whole-request statuses, per-item faults, latency and dropped connections.
/// </summary>
/// <remarks>
/// Deliberate departures from a real cluster: one shard, no replicas, documents searchable at once (refresh is
/// a no-op), no search API, no rollover (one backing index per data stream), no component templates, no
/// <c>update</c> bulk op. <see cref="StoredDocument.Index"/> is the data stream's name for documents in a
/// data stream; the wire (bulk items, GET) shows the backing index as ES does.
/// </remarks>
public sealed partial class FakeElasticsearch : IAsyncDisposable
{
    private const string JsonContentType = "application/json; charset=UTF-8";

    private readonly object _lock = new();
    private readonly Dictionary<string, JsonObject> _templates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PolicyState> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IndexState> _indices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DataStreamState> _dataStreams = new(StringComparer.Ordinal);
    private readonly List<BulkRequestRecord> _bulkRequests = [];
    private readonly Queue<int> _injectedStatuses = new();
    private readonly List<Func<BulkItem, ItemFault?>> _itemRules = [];
    private readonly WebApplication _app;
    private readonly FakeElasticsearchOptions _options;
    private readonly ServerProfile _profile;
    private readonly string _clusterUuid = NewUuid();
    private int _dropConnections;
    private int _dropAnswers;
    private int _createActions;
    private long _responseDelayTicks;

    private FakeElasticsearch(WebApplication app, SearchEngine engine, FakeElasticsearchOptions options)
    {
        _app = app;
        _options = options;
        _profile = new ServerProfile(engine, options.VersionNumber ?? ServerProfile.DefaultVersion(engine));
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; private set; } = null!;

    public SearchEngine Engine => _profile.Engine;

    /// <summary>The version <c>GET /</c> reports (unless OpenSearch compatibility mode rewrites it to "7.10.2").</summary>
    public string VersionNumber => _profile.VersionNumber;

    /// <summary>Templates by name, each the body as received by <c>PUT /_index_template/{name}</c>.</summary>
    public IReadOnlyDictionary<string, JsonObject> IndexTemplates
    {
        get
        {
            lock (_lock)
            {
                return _templates.ToDictionary(t => t.Key, t => (JsonObject)t.Value.DeepClone());
            }
        }
    }

    /// <summary>ILM policies (Elasticsearch) or ISM policies (OpenSearch) by name/id, each the request body as received.</summary>
    public IReadOnlyDictionary<string, JsonObject> LifecyclePolicies
    {
        get
        {
            lock (_lock)
            {
                return _policies.ToDictionary(p => p.Key, p => (JsonObject)p.Value.Body.DeepClone());
            }
        }
    }

    /// <summary>The data streams' names, in creation order.</summary>
    public IReadOnlyList<string> DataStreams
    {
        get
        {
            lock (_lock)
            {
                return [.. _dataStreams.Keys];
            }
        }
    }

    /// <summary>Every stored document in every index and data stream, each index's in the order first stored.</summary>
    public IReadOnlyList<StoredDocument> Documents
    {
        get
        {
            lock (_lock)
            {
                return [.. _indices.Values.SelectMany(index => index.Documents.Values.Select(d => d.Document))];
            }
        }
    }

    /// <summary>
    /// The bulk <c>create</c>/<c>index</c> actions received in requests that got per-item answers, however each
    /// item was answered (201, 409, 429, 400, …): a resend counts again.
    /// </summary>
    public int CreateActions
    {
        get
        {
            lock (_lock)
            {
                return _createActions;
            }
        }
    }

    /// <summary>Every <c>_bulk</c> request that was read (dropped connections excepted), in arrival order.</summary>
    public IReadOnlyList<BulkRequestRecord> BulkRequests
    {
        get
        {
            lock (_lock)
            {
                return [.. _bulkRequests];
            }
        }
    }

    /// <summary>Holds every answer this long after the request was judged and applied (a slow cluster or network).</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _responseDelayTicks));
        set => Interlocked.Exchange(ref _responseDelayTicks, value.Ticks);
    }

    /// <summary>Starts the fake on a free loopback port.</summary>
    public static async Task<FakeElasticsearch> StartAsync(SearchEngine engine, FakeElasticsearchOptions? options = null)
    {
        options ??= new FakeElasticsearchOptions();
        if ((options.Username is null) != (options.Password is null))
        {
            throw new ArgumentException("Username and Password go together.", nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (options.Certificate is { } certificate)
                {
                    listen.UseHttps(certificate);
                }
            });
            o.Limits.MaxRequestBodySize = null; // http.max_content_length is the fake's own check
        });
        var app = builder.Build();
        var fake = new FakeElasticsearch(app, engine, options);
        app.Run(fake.ServeAsync);
        await app.StartAsync();
        fake.Address = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return fake;
    }

    /// <summary>The stored documents of one data stream (by its name or its backing index's) or plain index.</summary>
    public IReadOnlyList<StoredDocument> DocumentsIn(string indexOrDataStream)
    {
        lock (_lock)
        {
            return Resolve(indexOrDataStream) is { } index ? [.. index.Documents.Values.Select(d => d.Document)] : [];
        }
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (any path) with this status instead of handling them:
    /// 503 cluster_block_exception, 429 rejected execution (indexing pressure), 401 security_exception with
    /// WWW-Authenticate, 403 security_exception, 413 with no body (as Netty's aggregator does), 500, and 502/504
    /// as an HTML page from a proxy (no JSON, no X-Elastic-Product). Nothing is stored.
    /// </summary>
    public void RespondWithStatus(int status, int count = 1)
    {
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                _injectedStatuses.Enqueue(status);
            }
        }
    }

    /// <summary>Forgets the whole-request statuses still queued by <see cref="RespondWithStatus"/>: the outage ends.</summary>
    public void ClearInjectedStatuses()
    {
        lock (_lock)
        {
            _injectedStatuses.Clear();
        }
    }

    /// <summary>
    /// Adds a per-item rule, asked for each bulk create/index/delete item before it is handled; the first rule
    /// that returns a fault answers the item with it and nothing is stored. Null means normal handling.
    /// </summary>
    public void RejectItems(Func<BulkItem, ItemFault?> rule)
    {
        lock (_lock)
        {
            _itemRules.Add(rule);
        }
    }

    /// <summary>Removes every rule added by <see cref="RejectItems"/> or <see cref="RejectFractionOfItemsWith429"/>.</summary>
    public void ClearItemRules()
    {
        lock (_lock)
        {
            _itemRules.Clear();
        }
    }

    /// <summary>
    /// Answers about <paramref name="fraction"/> of the create/index items 429 with the write thread pool's
    /// rejected-execution error (the type OpenSearch renamed on OpenSearch). Deterministic with a seed.
    /// </summary>
    public void RejectFractionOfItemsWith429(double fraction, int? seed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1);
        var random = seed is { } s ? new Random(s) : new Random();
        var type = _profile.RejectedExecutionType;
        var reason = "rejected execution of primary operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, "
            + "primary_operation_bytes=1024, max_coordinating_and_primary_bytes=107374182]";

        // Rules run under _lock, so the shared Random is only ever used by one request at a time.
        RejectItems(item => item.Op is "create" or "index" && random.NextDouble() < fraction ? new ItemFault(429, type, reason) : null);
    }

    /// <summary>Aborts the connection of the next <paramref name="count"/> requests without reading or handling them.</summary>
    public void DropNextConnections(int count)
    {
        Interlocked.Add(ref _dropConnections, count);
    }

    /// <summary>
    /// Handles the next <paramref name="count"/> requests fully (documents are stored) and then aborts the
    /// connection instead of answering: the client cannot know its writes happened, and a resend meets 409.
    /// </summary>
    public void DropNextAnswers(int count)
    {
        Interlocked.Add(ref _dropAnswers, count);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string NewUuid() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..22];

    private static bool TakeOne(ref int counter)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current - 1, current) == current)
            {
                return true;
            }
        }
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (TakeOne(ref _dropConnections))
        {
            context.Abort();
            return;
        }

        var request = new RequestInfo(context.Request);
        using (var buffer = new MemoryStream())
        {
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            request.Raw = buffer.ToArray();
        }

        var reply = Judge(request);
        if (request.IsBulk)
        {
            lock (_lock)
            {
                _bulkRequests.Add(new BulkRequestRecord(
                    request.Gzipped, request.Raw.Length, request.DecodedLength, request.BulkActions, request.Authenticated,
                    reply.Status, request.ContentType, request.PathAndQuery));
            }
        }

        if (TakeOne(ref _dropAnswers))
        {
            context.Abort();
            return;
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

        await WriteAsync(context, request, reply);
    }

    private async Task WriteAsync(HttpContext context, RequestInfo request, Reply reply)
    {
        var response = context.Response;
        response.StatusCode = reply.Status;
        if (reply.FromServer && _profile.SendsProductHeader)
        {
            response.Headers["X-Elastic-Product"] = "Elasticsearch";
        }

        foreach (var (name, values) in reply.Headers ?? [])
        {
            response.Headers[name] = values;
        }

        if (reply.ContentType is { } contentType)
        {
            response.ContentType = contentType;
        }

        string? text = reply.Text;
        if (reply.Json is { } json)
        {
            var filterPath = context.Request.Query["filter_path"].ToString();
            text = (filterPath.Length > 0 ? FilterPath.Apply(json, filterPath) : json).ToJsonString();
        }

        if (text is not null && !HttpMethods.IsHead(request.Method))
        {
            await response.WriteAsync(text, Encoding.UTF8);
        }
    }

    // The order a real node applies its checks in: Netty's decompressor and aggregator (size), the REST layer's
    // media-type parsing, the security filter, then routing. Injected statuses pre-empt all of it.
    private Reply Judge(RequestInfo request)
    {
        lock (_lock)
        {
            if (_injectedStatuses.TryDequeue(out var injected))
            {
                request.Authenticated = Authenticate(request) is null;
                return Injected(injected, request);
            }
        }

        if (Decode(request) is { } decodeError)
        {
            return decodeError;
        }

        if (CheckMediaTypes(request) is { } mediaError)
        {
            return mediaError;
        }

        if (Authenticate(request) is { } authError)
        {
            return authError;
        }

        request.Authenticated = true;
        return Route(request);
    }

    private Reply? Decode(RequestInfo request)
    {
        var limit = _options.MaxContentLength;
        if (!request.Gzipped)
        {
            request.Body = request.Raw;
        }
        else
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(request.Raw), CompressionMode.Decompress);
                using var decoded = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = gzip.Read(chunk)) > 0)
                {
                    decoded.Write(chunk, 0, read);
                    if (decoded.Length > limit)
                    {
                        request.DecodedLength = decoded.Length;
                        return TooLarge();
                    }
                }

                request.Body = decoded.ToArray();
            }
            catch (InvalidDataException)
            {
                return Json(400, EsErrors.Flat(400, "Content-Encoding gzip: the body is not valid gzip"));
            }
        }

        request.DecodedLength = request.Body.Length;

        // http.max_content_length is checked after HttpContentDecompressor, on the decompressed body.
        return request.Body.Length > limit ? TooLarge() : null;
    }

    // Netty's HttpObjectAggregator answers an oversized body itself: 413, no body, none of ES's headers.
    private static Reply TooLarge() => new(413, ContentType: null, FromServer: false);

    private Reply Injected(int status, RequestInfo request) => status switch
    {
        401 => Unauthorized("missing authentication credentials for REST request [" + request.PathAndQuery + "]"),
        403 => Json(403, EsErrors.Body(403, "security_exception",
            $"action [indices:data/write/bulk] is unauthorized for user [{_options.Username ?? "elastic"}] with effective roles [viewer], "
            + "this action is granted by the index privileges [create_doc,create,index,write,all]")),
        413 => TooLarge(),
        429 => Json(429, EsErrors.Body(429, _profile.RejectedExecutionType,
            "rejected execution of coordinating operation [coordinating_and_primary_bytes=104857600, replica_bytes=0, all_bytes=104857600, "
            + "coordinating_operation_bytes=1048576, max_coordinating_and_primary_bytes=107374182]")),
        503 => Json(503, EsErrors.Body(503, "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];")),
        502 or 504 => new Reply(status, Text: $"<html><body><h1>{status} Gateway error</h1></body></html>", ContentType: "text/html", FromServer: false),
        500 => Json(500, EsErrors.Body(500, "exception", "Internal server error (injected)")),
        _ => Json(status, EsErrors.Body(status, "status_exception", $"injected status {status}")),
    };

    private Reply? CheckMediaTypes(RequestInfo request)
    {
        var hasContent = request.Body.Length > 0;
        var contentType = MediaType.Parse(request.ContentType);
        if (hasContent)
        {
            if (contentType is null)
            {
                return Json(406, EsErrors.Flat(406, "Content-Type header is missing"));
            }

            // OpenSearch renamed vendor types to vnd.opensearch+…; vnd.elasticsearch+… is unknown there, as is
            // anything ES does not read on either.
            if (!contentType.IsReadableBy(_profile))
            {
                return Json(406, EsErrors.Flat(406, $"Content-Type header [{request.ContentType}] is not supported"));
            }
        }

        if (_profile.IsOpenSearch)
        {
            return null; // an Accept it does not know is ignored: the answer is JSON
        }

        // RestCompatibleVersionHelper.getCompatibleVersion, with ES's current major and the one before
        // (ES 7.17 has no previous REST API version, so it speaks compatible-with=7 only).
        var accept = MediaType.Parse(request.Accept);
        var (current, minimum) = _profile.CompatibleWith;
        var aVersion = accept?.CompatibleWith;
        var cVersion = hasContent ? contentType?.CompatibleWith : null;
        var acceptVersion = aVersion ?? current;
        var contentVersion = cVersion ?? current;
        string? problem = null;
        if (acceptVersion > current || acceptVersion < minimum)
        {
            problem = $"Accept version must be either version {current} or {minimum}, but found {acceptVersion}. Accept={request.Accept}";
        }
        else if (hasContent && (contentVersion > current || contentVersion < minimum))
        {
            problem = $"Content-Type version must be either version {current} or {minimum}, but found {contentVersion}. Content-Type={request.ContentType}";
        }
        else if (hasContent && contentVersion != acceptVersion)
        {
            problem = "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version "
                + $"and the compatible versions must match. Accept={request.Accept ?? "null"}, Content-Type={request.ContentType}";
        }
        else if (hasContent && (cVersion is null) != (aVersion is null))
        {
            problem = "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. "
                + $"Accept={request.Accept ?? "null"}, Content-Type={request.ContentType}";
        }

        if (problem is null)
        {
            return null;
        }

        var error = EsErrors.Error(
            "media_type_header_exception",
            "Invalid media-type value on headers [Accept, Content-Type]",
            EsErrors.Error("status_exception", problem));
        return Json(400, EsErrors.Body(400, error, rootCauseIsTop: true));
    }

    private Reply? Authenticate(RequestInfo request)
    {
        if (_options.Username is null && _options.ApiKey is null)
        {
            return null;
        }

        var header = request.Authorization;
        if (header is null)
        {
            return Unauthorized($"missing authentication credentials for REST request [{request.PathAndQuery}]");
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            }
            catch (FormatException)
            {
                decoded = "";
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? decoded : decoded[..colon];
            var password = colon < 0 ? "" : decoded[(colon + 1)..];
            return _options.Username is not null && user == _options.Username && password == _options.Password
                ? null
                : Unauthorized($"unable to authenticate user [{user}] for REST request [{request.PathAndQuery}]");
        }

        if (header.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) && !_profile.IsOpenSearch
            && _options.ApiKey is not null && header[7..].Trim() == _options.ApiKey)
        {
            return null;
        }

        return Unauthorized("unable to authenticate with provided credentials and anonymous access is not allowed for this request");
    }

    // ES: security_exception with the realms' challenges, in the body and as WWW-Authenticate headers.
    // OpenSearch's security plugin: a plain-text "Unauthorized" and its own Basic challenge — not JSON, which
    // is the one answer of this fake without Content-Type application/json.
    private Reply Unauthorized(string reason)
    {
        if (_profile.IsOpenSearch)
        {
            return new Reply(401, Text: "Unauthorized", ContentType: "text/plain; charset=UTF-8",
                Headers: [new("WWW-Authenticate", ["Basic realm=\"OpenSearch Security\""])]);
        }

        string[] challenges = _profile.Major >= 8
            ? ["Basic realm=\"security\", charset=\"UTF-8\"", "Bearer realm=\"security\"", "ApiKey"]
            : ["Basic realm=\"security\" charset=\"UTF-8\"", "Bearer realm=\"security\"", "ApiKey"];
        var error = EsErrors.Error("security_exception", reason);
        error["header"] = new JsonObject { ["WWW-Authenticate"] = new JsonArray([.. challenges.Select(c => (JsonNode)c)]) };
        return Json(401, EsErrors.Body(401, error), [new("WWW-Authenticate", challenges)]);
    }

    private static Reply Json(int status, JsonNode body, IReadOnlyList<KeyValuePair<string, string[]>>? headers = null) =>
        new(status, Json: body, Headers: headers);

    private static Reply NotFound(string type, string reason, string? index = null)
    {
        var error = EsErrors.Error(type, reason);
        if (index is not null)
        {
            error["resource.type"] = "index_or_alias";
            error["resource.id"] = index;
            error["index_uuid"] = "_na_";
            error["index"] = index;
        }

        return Json(404, EsErrors.Body(404, error));
    }

    private static Reply BadRequest(string type, string reason) => Json(400, EsErrors.Body(400, type, reason));

    /// <summary>Parses a request body that must be one JSON object; the error reply says why not.</summary>
    private static (JsonObject? Body, Reply? Error) ParseObject(RequestInfo request)
    {
        if (request.Body.Length == 0)
        {
            return (null, BadRequest("parse_exception", "request body is required"));
        }

        try
        {
            return JsonNode.Parse(request.Body) is JsonObject body
                ? (body, null)
                : (null, BadRequest("x_content_parse_exception", "[1:1] request body must be a JSON object"));
        }
        catch (JsonException e)
        {
            return (null, BadRequest("x_content_parse_exception", $"[1:1] {e.Message}"));
        }
    }

    /// <summary>What the fake keeps of one request while judging it.</summary>
    private sealed class RequestInfo(HttpRequest request)
    {
        public string Method { get; } = request.Method;

        public string Path { get; } = request.Path.Value ?? "/";

        public string PathAndQuery { get; } = (request.Path.Value ?? "/") + request.QueryString.Value;

        public IQueryCollection Query { get; } = request.Query;

        public string? ContentType { get; } = request.Headers.ContentType.Count > 0 ? request.Headers.ContentType.ToString() : null;

        public string? Accept { get; } = request.Headers.Accept.Count > 0 ? request.Headers.Accept.ToString() : null;

        public string? Authorization { get; } = request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null;

        public bool Gzipped { get; } = request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);

        public bool IsBulk { get; } = (request.Path.Value ?? "").TrimEnd('/').EndsWith("/_bulk", StringComparison.Ordinal);

        public byte[] Raw { get; set; } = [];

        public byte[] Body { get; set; } = [];

        public long DecodedLength { get; set; }

        public bool Authenticated { get; set; }

        public int BulkActions { get; set; }
    }

    /// <summary>An answer decided while holding nothing but data; written after the response delay.</summary>
    private sealed record Reply(
        int Status,
        JsonNode? Json = null,
        string? Text = null,
        string? ContentType = JsonContentType,
        bool FromServer = true,
        IReadOnlyList<KeyValuePair<string, string[]>>? Headers = null);

    /// <summary>A parsed Content-Type or Accept value.</summary>
    private sealed record MediaType(string Essence, int? CompatibleWith)
    {
        public static MediaType? Parse(string? header)
        {
            if (string.IsNullOrWhiteSpace(header))
            {
                return null;
            }

            var parts = header.Split(';', StringSplitOptions.TrimEntries);
            int? version = null;
            foreach (var parameter in parts.Skip(1))
            {
                var eq = parameter.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && parameter[..eq].Trim().Equals("compatible-with", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(parameter[(eq + 1)..].Trim(), out var n))
                {
                    version = n;
                }
            }

            return new MediaType(parts[0].ToLowerInvariant(), version);
        }

        public bool IsReadableBy(ServerProfile profile)
        {
            string[] plain = ["application/json", "application/x-ndjson", "application/smile", "application/cbor", "application/yaml"];
            return plain.Contains(Essence)
                || (!profile.IsOpenSearch && Essence.StartsWith("application/vnd.elasticsearch+", StringComparison.Ordinal)
                    && plain.Contains("application/" + Essence["application/vnd.elasticsearch+".Length..]));
        }
    }
}
