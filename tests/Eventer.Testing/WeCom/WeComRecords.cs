using System.Text.Json.Nodes;

namespace Eventer.Testing.WeCom;

/// <summary>A message WeCom accepted (errcode 0).</summary>
/// <param name="Key">The robot's key, from the URL.</param>
/// <param name="MsgType"><c>text</c>, <c>markdown</c> or <c>markdown_v2</c>.</param>
/// <param name="Content">The message's content.</param>
/// <param name="MentionedList">text.mentioned_list (user ids, or "@all").</param>
/// <param name="MentionedMobileList">text.mentioned_mobile_list (phone numbers, or "@all").</param>
/// <param name="RawBody">The body exactly as sent (UTF-8 decoded).</param>
/// <param name="Body">The parsed body.</param>
/// <param name="ReceivedAt">When the fake received it, by the fake's clock.</param>
public sealed record WeComMessage(
    string Key,
    string MsgType,
    string Content,
    IReadOnlyList<string> MentionedList,
    IReadOnlyList<string> MentionedMobileList,
    string RawBody,
    JsonNode Body,
    DateTimeOffset ReceivedAt);

/// <summary>One request to a robot's webhook and how the fake answered it.</summary>
/// <param name="At">When it arrived, by the fake's clock.</param>
/// <param name="Key">The key the URL named, known or not ("" when missing).</param>
/// <param name="HttpStatus">The answer's status: 200 unless a status was injected.</param>
/// <param name="ErrCode">The answer's errcode; null when an HTTP status was injected instead.</param>
/// <param name="ErrMsg">The answer's errmsg, hint included; null when an HTTP status was injected instead.</param>
/// <param name="RawBody">The request body as sent (UTF-8 decoded).</param>
public sealed record WeComAttempt(DateTimeOffset At, string Key, int HttpStatus, int? ErrCode, string? ErrMsg, string RawBody);
