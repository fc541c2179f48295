namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>What became of one request to a robot.</summary>
public enum SendOutcome
{
    /// <summary>errcode 0.</summary>
    Sent,

    /// <summary>130101 / 410100 (or HTTP 429): back off; the robot is throttled for a while.</summary>
    RateLimited,

    /// <summary>Signature, keyword, IP or token errors: only a person can fix it. Messages wait.</summary>
    Misconfigured,

    /// <summary>460101: the text is too long for DingTalk; send it shorter.</summary>
    TooLong,

    /// <summary>-1, 5xx, a timeout, a broken connection, an unknown answer: try again later.</summary>
    Transient,
}

/// <summary>The outcome, DingTalk's errcode when it sent one, and a detail for logs and readiness (never the webhook).</summary>
/// <param name="Outcome">How to go on.</param>
/// <param name="Code">A bounded label for metrics: the errcode, <c>http_503</c>, <c>timeout</c>, <c>network</c>, <c>bad_answer</c>.</param>
/// <param name="Detail">What DingTalk or the network said.</param>
public sealed record SendResult(SendOutcome Outcome, string Code, string Detail)
{
    public static readonly SendResult Ok = new(SendOutcome.Sent, "0", "ok");

    /// <summary>Sorts DingTalk's errcodes (always inside an HTTP 200 body) into what to do next.</summary>
    public static SendResult FromErrCode(int errCode, string? errMsg)
    {
        var code = errCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var detail = $"errcode {code}: {errMsg}";
        return errCode switch
        {
            0 => Ok,
            130101 or 410100 => new SendResult(SendOutcome.RateLimited, code, detail),
            // 310000 sign/keyword/IP; 300001/300005 token; 400101/400102 robot missing or stopped;
            // 400013 the group was dissolved.
            310000 or 300001 or 300005 or 400101 or 400102 or 400013 => new SendResult(SendOutcome.Misconfigured, code, detail),
            460101 => new SendResult(SendOutcome.TooLong, code, detail),
            _ => new SendResult(SendOutcome.Transient, code, detail),
        };
    }
}
