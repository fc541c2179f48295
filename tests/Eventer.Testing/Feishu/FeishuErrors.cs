namespace Eventer.Testing.Feishu;

/// <summary>
/// The <c>code</c> values Feishu's and Lark's custom-bot webhook answers with, as the fake uses them
/// and as tests inject them. Every one but <see cref="BadRequest"/> comes in an HTTP 200 body, so a
/// client that reads only the status takes a refused message for a delivered one.
/// </summary>
public static class FeishuErrors
{
    /// <summary>Accepted.</summary>
    public const int Ok = 0;

    /// <summary>"Bad Request": the body is not JSON, not a known message, or over 20 KB; answered with HTTP 400.</summary>
    public const int BadRequest = 9499;

    /// <summary>"param invalid: incoming webhook access token invalid": the token names no bot.</summary>
    public const int TokenInvalid = 19001;

    /// <summary>"sign match fail or timestamp is not within one hour from current time".</summary>
    public const int SignMismatch = 19021;

    /// <summary>"Ip Not Allowed": the bot has an IP allow-list; only ever injected (everything here is loopback).</summary>
    public const int IpNotAllowed = 19022;

    /// <summary>"Key Words Not Found": no text, title or content value contains one of the bot's keywords.</summary>
    public const int KeywordsNotFound = 19024;

    /// <summary>"frequency limited …": over 5 a second or 100 a minute, or load near :00 and :30.</summary>
    public const int FrequencyLimited = 11232;

    /// <summary>"internal error", seen near the limits; only ever injected.</summary>
    public const int InternalError = 2200;
}
