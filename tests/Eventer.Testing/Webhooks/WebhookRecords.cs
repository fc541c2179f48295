using System.Text.Json.Nodes;

namespace Eventer.Testing.Webhooks;

/// <summary>One request to a generic webhook endpoint, what it carried and how the fake answered it.</summary>
/// <param name="Endpoint">The endpoint name from the path (registered or not).</param>
/// <param name="At">When it arrived, by the fake's clock.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The request target as sent.</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
/// <param name="Headers">Every request header (names case-insensitive; repeated values joined with ", ").</param>
/// <param name="RawBody">The body as sent (UTF-8 decoded), kept whether or not it is JSON.</param>
/// <param name="Json">The parsed body; null when it is not JSON (see <paramref name="ParseError"/>).</param>
/// <param name="ParseError">Why the body is not JSON (empty, malformed, invalid UTF-8, or a duplicate key, which is a template bug); null when it is.</param>
/// <param name="HttpStatus">The answer's status.</param>
/// <param name="ResponseBody">The answer's body.</param>
public sealed record WebhookRequest(
    string Endpoint,
    DateTimeOffset At,
    string Method,
    string PathAndQuery,
    string? ContentType,
    IReadOnlyDictionary<string, string> Headers,
    string RawBody,
    JsonNode? Json,
    string? ParseError,
    int HttpStatus,
    string ResponseBody)
{
    /// <summary>Whether the body parsed as JSON.</summary>
    public bool IsJson => ParseError is null;
}
