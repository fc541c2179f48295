using System.Net;

namespace Eventer.Notifications.Delivery;

/// <summary>What became of one request to a robot.</summary>
public enum SendOutcome
{
    /// <summary>The platform took the message.</summary>
    Sent,

    /// <summary>"Too fast" (HTTP 429, DingTalk 130101, WeCom 45009, Feishu 11232): back off; the target is throttled for a while.</summary>
    RateLimited,

    /// <summary>Signature, keyword, IP, token or URL errors: only a person can fix it. Messages wait.</summary>
    Misconfigured,

    /// <summary>The text is too long for the platform; send it shorter.</summary>
    TooLong,

    /// <summary>The platform refused this message's content (a malformed or empty body): no retry helps, it is set aside at once.</summary>
    Rejected,

    /// <summary>5xx, a timeout, a broken connection, an unknown answer: try again later.</summary>
    Transient,
}

/// <summary>The outcome, the platform's code when it sent one, and a detail for logs and readiness (never the address).</summary>
/// <param name="Outcome">How to go on.</param>
/// <param name="Code">A bounded label for metrics: the platform's code, <c>http_503</c>, <c>timeout</c>, <c>network</c>, <c>bad_answer</c>.</param>
/// <param name="Detail">What the platform or the network said.</param>
/// <param name="RetryAfter">How long the platform asked to wait (HTTP Retry-After), when it said.</param>
public sealed record SendResult(SendOutcome Outcome, string Code, string Detail, TimeSpan? RetryAfter = null)
{
    public static readonly SendResult Ok = new(SendOutcome.Sent, "0", "ok");

    /// <summary>
    /// An answer that is not a success by its HTTP status: 429 is a rate limit (with its
    /// Retry-After), another 4xx but 408 the URL's fault (a wrong host, path or revoked hook), a
    /// 5xx the server's.
    /// </summary>
    public static SendResult FromStatus(HttpResponseMessage response, string? body = null)
    {
        var status = (int)response.StatusCode;
        var detail = string.IsNullOrWhiteSpace(body) ? $"HTTP {status}" : $"HTTP {status}: {Shorten(body)}";
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new SendResult(SendOutcome.RateLimited, "http_429", detail, RetryAfterOf(response));
        }

        var outcome = status is >= 400 and < 500 and not 408 ? SendOutcome.Misconfigured : SendOutcome.Transient;
        return new SendResult(outcome, $"http_{status}", detail);
    }

    /// <summary>The Retry-After of an answer, as a delay (seconds or a date), or null.</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>A platform's answer text, short enough for a log line or readiness.</summary>
    public static string Shorten(string text) =>
        text.Length <= 200 ? text.Trim() : text[..200].Trim() + "…";
}
