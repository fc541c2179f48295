using System.Text.Json;
using System.Text.Json.Nodes;
using Elastic.Transport;
using HttpMethod = Elastic.Transport.HttpMethod;

namespace Eventer.EsIndexer.Indexing;

/// <summary>An answer Elasticsearch gave: its status and body.</summary>
public sealed record SearchAnswer(int Status, byte[] Body);

/// <summary>
/// The few requests the indexer makes, over <see cref="ITransport"/>. Anything that is not an
/// answer of the cluster's own (no connection, a timeout, a proxy's HTML page) becomes an
/// <see cref="ElasticsearchUnavailableException"/>; a request body never reaches a log or an
/// exception (the transport's debug information would carry it).
/// </summary>
public sealed class ElasticsearchClient(ITransport transport)
{
    private static readonly RequestConfiguration Json = new() { ContentType = "application/json" };
    private static readonly RequestConfiguration NdJson = new() { ContentType = "application/x-ndjson" };

    public Task<SearchAnswer> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(new EndpointPath(HttpMethod.GET, path), null, Json, cancellationToken);

    public Task<SearchAnswer> PutAsync(string path, JsonObject body, CancellationToken cancellationToken) =>
        SendAsync(new EndpointPath(HttpMethod.PUT, path), PostData.String(body.ToJsonString()), Json, cancellationToken);

    public Task<SearchAnswer> BulkAsync(ReadOnlyMemory<byte> ndjson, CancellationToken cancellationToken) =>
        SendAsync(new EndpointPath(HttpMethod.POST, BulkResponse.Path), PostData.ReadOnlyMemory(ndjson), NdJson, cancellationToken);

    private async Task<SearchAnswer> SendAsync(EndpointPath path, PostData? body, RequestConfiguration configuration, CancellationToken cancellationToken)
    {
        BytesResponse response;
        try
        {
            response = await transport.RequestAsync<BytesResponse>(path, body, null, configuration, cancellationToken);
        }
        catch (TransportException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Even with ThrowExceptions off the pipeline can throw (e.g. when no node could be tried):
            // that is an outage too, never a reason to give the batch up.
            throw new ElasticsearchUnavailableException($"Elasticsearch is unreachable: {ex.GetBaseException().Message}");
        }

        // The transport turns a cancelled request into a failed answer: a shutdown is not an outage.
        cancellationToken.ThrowIfCancellationRequested();
        var call = response.ApiCallDetails;
        if (call.HttpStatusCode is not { } status)
        {
            throw new ElasticsearchUnavailableException($"Elasticsearch is unreachable: {call.OriginalException?.GetBaseException().Message ?? "no answer"}");
        }

        if (!call.HasExpectedContentType && status is >= 200 and < 300)
        {
            throw new ElasticsearchUnavailableException($"{path.Method} {PathOnly(path)} was answered {status} without JSON: not Elasticsearch, or a proxy in between");
        }

        return new SearchAnswer(status, response.Body ?? []);
    }

    /// <summary>Describes a refused whole request from its status and the error Elasticsearch gave.</summary>
    public static string Describe(string what, SearchAnswer answer)
    {
        var (type, reason) = ErrorOf(answer.Body);
        var why = answer.Status switch
        {
            401 => "refused the credentials",
            403 => "does not allow it",
            429 => "is overloaded",
            >= 500 => "failed",
            _ => "refused it",
        };
        return $"Elasticsearch {why}: {what} was answered {answer.Status}{(type is null ? "" : $" {type}")}{(reason is null ? "" : $": {reason}")}";
    }

    /// <summary>The <c>error.type</c> and <c>error.reason</c> of an error body, when it has them.</summary>
    public static (string? Type, string? Reason) ErrorOf(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error))
            {
                return error.ValueKind == JsonValueKind.Object
                    ? (error.TryGetProperty("type", out var t) ? t.GetString() : null, error.TryGetProperty("reason", out var r) ? r.GetString() : null)
                    : (null, error.ToString());
            }
        }
        catch (JsonException)
        {
        }

        return (null, null);
    }

    private static string PathOnly(EndpointPath path) => path.PathAndQuery.Split('?')[0];
}
