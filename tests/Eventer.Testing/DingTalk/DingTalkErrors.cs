namespace Eventer.Testing.DingTalk;

/// <summary>
/// The <c>errcode</c> values DingTalk's custom-robot webhook answers with (always inside an HTTP
/// 200 body), as the fake uses them and as tests inject them.
/// </summary>
public static class DingTalkErrors
{
    /// <summary>Accepted.</summary>
    public const int Ok = 0;

    /// <summary>"system busy": a transient server-side failure; only ever injected.</summary>
    public const int SystemBusy = -1;

    /// <summary>The body is not JSON or has no message of a known type.</summary>
    public const int MissingJson = 40035;

    /// <summary>The access_token names no robot.</summary>
    public const int TokenNotExist = 300001;

    /// <summary>The access_token is missing or malformed.</summary>
    public const int TokenInvalid = 300005;

    /// <summary>Security check failed: sign not match, timestamp invalid, or keywords not in content.</summary>
    public const int SecurityCheckFailed = 310000;

    /// <summary>More than 20 messages a minute; the robot is then throttled for a while.</summary>
    public const int SendTooFast = 130101;

    /// <summary>The message text is longer than 20,000 bytes.</summary>
    public const int MessageTooLong = 460101;
}
