using System.Text.Json.Nodes;

namespace Eventer.Testing.Feishu;

/// <summary>A message Feishu accepted (code 0).</summary>
/// <param name="Token">The bot's token, from the URL.</param>
/// <param name="MsgType"><c>text</c>, <c>post</c>, <c>image</c>, <c>share_chat</c> or <c>interactive</c>.</param>
/// <param name="RawBody">The body exactly as sent (UTF-8 decoded), signature fields included.</param>
/// <param name="Body">The parsed body.</param>
/// <param name="Texts">Every <c>text</c>, <c>title</c> and <c>content</c> string value (what the keyword check reads; never <c>href</c>), in document order.</param>
/// <param name="ReceivedAt">When the fake received it, by the fake's clock.</param>
public sealed record FeishuMessage(string Token, string MsgType, string RawBody, JsonNode Body, IReadOnlyList<string> Texts, DateTimeOffset ReceivedAt);

/// <summary>One request to a bot's webhook and how the fake answered it.</summary>
/// <param name="At">When it arrived, by the fake's clock.</param>
/// <param name="Token">The token the URL named, known or not.</param>
/// <param name="HttpStatus">The answer's status: 200 for every code but 9499 (400), or an injected status.</param>
/// <param name="Code">The answer's code; null when an HTTP status was injected instead.</param>
/// <param name="Msg">The answer's msg; null when an HTTP status was injected instead.</param>
/// <param name="RawBody">The request body as sent (UTF-8 decoded).</param>
public sealed record FeishuAttempt(DateTimeOffset At, string Token, int HttpStatus, int? Code, string? Msg, string RawBody);
