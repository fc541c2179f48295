namespace Eventer.Testing.DingTalk;

/// <summary>A message as the fake understood it (markdown, or text with <see cref="Title"/> null).</summary>
/// <param name="MsgType">"markdown" or "text".</param>
/// <param name="Title">The markdown title; null for text messages.</param>
/// <param name="Text">The markdown text or the text content.</param>
/// <param name="AtMobiles">at.atMobiles.</param>
/// <param name="AtUserIds">at.atUserIds.</param>
/// <param name="IsAtAll">at.isAtAll.</param>
/// <param name="ReceivedAt">When the fake received it, by the fake's clock.</param>
public sealed record DingTalkMessage(
    string MsgType,
    string? Title,
    string Text,
    IReadOnlyList<string> AtMobiles,
    IReadOnlyList<string> AtUserIds,
    bool IsAtAll,
    DateTimeOffset ReceivedAt);

/// <summary>One request to a robot's webhook and how the fake answered it.</summary>
/// <param name="At">When it arrived, by the fake's clock.</param>
/// <param name="HttpStatus">The HTTP status of the answer: 200 unless a status was injected.</param>
/// <param name="ErrCode">The answer's errcode; null when an HTTP status was injected instead.</param>
/// <param name="ErrMsg">The answer's errmsg; null when an HTTP status was injected instead.</param>
/// <param name="Message">The message, when the body could be read before the answer was decided.</param>
public sealed record DingTalkAttempt(
    DateTimeOffset At,
    int HttpStatus,
    int? ErrCode,
    string? ErrMsg,
    DingTalkMessage? Message);
