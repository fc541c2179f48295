namespace Eventer.Testing.WeCom;

/// <summary>
/// The <c>errcode</c> values WeCom's group-robot webhook answers with, always inside an HTTP 200 body
/// (so a client that reads only the status takes a refused message for a delivered one), as the fake
/// uses them and as tests inject them.
/// </summary>
public static class WeComErrors
{
    /// <summary>Accepted.</summary>
    public const int Ok = 0;

    /// <summary>"system busy": a transient server-side failure; only ever injected.</summary>
    public const int SystemBusy = -1;

    /// <summary>"invalid message type": no msgtype, or one this fake does not take.</summary>
    public const int InvalidMessageType = 40008;

    /// <summary>"… invalid Request Parameter": content over its byte limit, or a body that is not JSON.</summary>
    public const int InvalidParameter = 40058;

    /// <summary>"empty content": the message has no content.</summary>
    public const int EmptyContent = 44004;

    /// <summary>"api freq out of limit": over 20 messages a minute.</summary>
    public const int FreqOutOfLimit = 45009;

    /// <summary>"invalid webhook url": the key is missing or names no robot.</summary>
    public const int InvalidWebhookUrl = 93000;
}
