using System.Text.Json.Nodes;

namespace Eventer.Testing.Slack;

/// <summary>What a registered incoming webhook currently does with a message, as an admin or a user made it.</summary>
public enum SlackHookState
{
    /// <summary>Posts messages.</summary>
    Active,

    /// <summary>The webhook or its workspace was removed or disabled: 404 <c>no_team</c>.</summary>
    Removed,

    /// <summary>Its channel was archived: 410 <c>channel_is_archived</c>, until someone unarchives it.</summary>
    Archived,

    /// <summary>Its channel was deleted: 404 <c>channel_not_found</c>.</summary>
    ChannelNotFound,

    /// <summary>The workspace restricts posting in this context: 403 <c>action_prohibited</c>.</summary>
    Prohibited,

    /// <summary>
    /// An admin restricted posting to #general: <c>posting_to_general_channel_denied</c>. The status is
    /// not documented; 403 is assumed.
    /// </summary>
    GeneralChannelDenied,
}

/// <summary>A message Slack accepted (HTTP 200 <c>ok</c>).</summary>
/// <param name="Hook">The name the hook was registered under.</param>
/// <param name="RawBody">The JSON exactly as sent (for a form post, the <c>payload</c> field).</param>
/// <param name="Body">The parsed message.</param>
/// <param name="Texts">Every displayed text value (<c>text</c>, <c>pretext</c>, <c>fallback</c>, <c>title</c>, <c>footer</c>, <c>author_name</c>), in document order.</param>
/// <param name="ReceivedAt">When the fake received it, by the fake's clock.</param>
public sealed record SlackMessage(string Hook, string RawBody, JsonNode Body, IReadOnlyList<string> Texts, DateTimeOffset ReceivedAt);

/// <summary>One request to a webhook path and how the fake answered it.</summary>
/// <param name="At">When it arrived, by the fake's clock.</param>
/// <param name="Hook">The registered hook the path names; null for an unknown path.</param>
/// <param name="Path">The request path.</param>
/// <param name="HttpStatus">The answer's status.</param>
/// <param name="ResponseBody">The answer's plain-text body: <c>ok</c>, <c>invalid_payload</c>, <c>rate_limited</c>, …</param>
/// <param name="RetryAfterSeconds">The <c>Retry-After</c> header sent with the answer, if any.</param>
/// <param name="RawBody">The request body as sent (UTF-8 decoded).</param>
/// <param name="ContentType">The request's Content-Type header.</param>
public sealed record SlackAttempt(
    DateTimeOffset At,
    string? Hook,
    string Path,
    int HttpStatus,
    string ResponseBody,
    int? RetryAfterSeconds,
    string RawBody,
    string? ContentType);
