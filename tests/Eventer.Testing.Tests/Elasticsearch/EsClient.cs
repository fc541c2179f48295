using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Eventer.Testing.Tests.Elasticsearch;

/// <summary>A plain HttpClient speaking to the fake, so the tests see exactly what went over the wire.</summary>
internal sealed class EsClient(Uri address) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

    public static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    /// <summary>NDJSON: each line one JSON value, every line (the last too) ending with a newline.</summary>
    public static string Ndjson(params JsonNode[] lines) => string.Concat(lines.Select(l => l.ToJsonString() + "\n"));

    public static JsonObject Create(string index, string? id = null)
    {
        var meta = new JsonObject { ["_index"] = index };
        if (id is not null)
        {
            meta["_id"] = id;
        }

        return new JsonObject { ["create"] = meta };
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    public Task<EsAnswer> GetAsync(string path, string? accept = null, string? authorization = null) =>
        SendAsync(HttpMethod.Get, path, accept: accept, authorization: authorization);

    public Task<EsAnswer> PutAsync(string path, JsonNode body, string? authorization = null) =>
        SendAsync(HttpMethod.Put, path, body.ToJsonString(), authorization: authorization);

    public Task<EsAnswer> BulkAsync(string ndjson, string path = "_bulk", bool gzip = false, string contentType = "application/x-ndjson", string? authorization = null) =>
        SendAsync(HttpMethod.Post, path, ndjson, contentType, gzip, authorization: authorization);

    public async Task<EsAnswer> SendAsync(
        HttpMethod method,
        string path,
        string? body = null,
        string? contentType = "application/json",
        bool gzip = false,
        string? accept = null,
        string? authorization = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            request.Content = new ByteArrayContent(gzip ? Gzip(bytes) : bytes);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            if (gzip)
            {
                request.Content.Headers.ContentEncoding.Add("gzip");
            }
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new EsAnswer(
            (int)response.StatusCode,
            text,
            response.Content.Headers.ContentType?.ToString(),
            response.Headers.TryGetValues("X-Elastic-Product", out var product) ? product.Single() : null,
            response.Headers.WwwAuthenticate.Select(h => h.ToString()).ToList());
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>What came back.</summary>
internal sealed record EsAnswer(int Status, string Text, string? ContentType, string? ElasticProduct, IReadOnlyList<string> WwwAuthenticate)
{
    public JsonNode Json => JsonNode.Parse(Text)!;

    /// <summary>error.type of a whole-request error.</summary>
    public string? ErrorType => Json["error"]?["type"]?.GetValue<string>();

    /// <summary>error.caused_by.reason, else error.reason, else a flat error string.</summary>
    public string? ErrorReason => Json["error"] is JsonObject error
        ? (error["caused_by"]?["reason"] ?? error["reason"])?.GetValue<string>()
        : Json["error"]?.GetValue<string>();

    /// <summary>Each bulk item's inner object ({"create": {…}} → {…}), in order.</summary>
    public IReadOnlyList<JsonObject> Items => Json["items"]!.AsArray().Select(i => (JsonObject)i!.AsObject().Single().Value!).ToList();
}

internal static class EsAnswerExtensions
{
    public static int Status(this JsonObject item) => item["status"]!.GetValue<int>();

    public static string? ErrorType(this JsonObject item) => item["error"]?["type"]?.GetValue<string>();

    public static string? ErrorReason(this JsonObject item) => item["error"]?["reason"]?.GetValue<string>();
}
