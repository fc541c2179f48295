using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Eventer.Testing.Tests.Webhooks;

/// <summary>What an HTTP POST answered, read whole.</summary>
public sealed record HttpAnswer(HttpStatusCode Status, string Body, string? ContentType, int? RetryAfterSeconds)
{
    /// <summary>The body as a JSON object (Feishu, WeCom and the generic receiver answer JSON).</summary>
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();

    /// <summary>The Feishu answer's code.</summary>
    public int Code => (int)Json["code"]!;

    /// <summary>The WeCom answer's errcode.</summary>
    public int ErrCode => (int)Json["errcode"]!;
}

/// <summary>
/// Posts to the fakes over a real HttpClient the way a product's client does, with whatever body and
/// content type a test needs, including broken ones.
/// </summary>
public sealed class PostClient : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>POSTs <paramref name="body"/> as application/json.</summary>
    public Task<HttpAnswer> PostJsonAsync(string url, JsonNode body, CancellationToken cancellationToken = default) =>
        PostAsync(url, body.ToJsonString(), "application/json", cancellationToken: cancellationToken);

    /// <summary>POSTs <paramref name="body"/> (UTF-8) with <paramref name="contentType"/> (none when null) and extra headers.</summary>
    public async Task<HttpAnswer> PostAsync(
        string url,
        string body,
        string? contentType = "application/json",
        IReadOnlyDictionary<string, string>? headers = null,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url));
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var retryAfter = response.Headers.TryGetValues("Retry-After", out var values)
            ? int.Parse(values.Single(), CultureInfo.InvariantCulture)
            : (int?)null;
        return new HttpAnswer(response.StatusCode, text, response.Content.Headers.ContentType?.MediaType, retryAfter);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
