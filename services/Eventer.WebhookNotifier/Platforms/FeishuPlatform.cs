using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.Notifications;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Rendering;
using Eventer.WebhookNotifier.Routing;
using Fluid;

namespace Eventer.WebhookNotifier.Platforms;

/// <summary>
/// Feishu and Lark custom bots: a rich-text <c>post</c> whose every line is a plain <c>text</c>
/// element (not parsed as markup), signed when the bot has a secret, with the bot's keyword added
/// when the text lacks it. Feishu answers HTTP 200 for most errors too; the <c>code</c> in the body
/// decides: 11232 is its rate limit, 19001/19021/19022/19024 a token, signature, IP or keyword the
/// bot refuses, 9499 a body it cannot take (too large).
/// </summary>
public sealed class FeishuPlatform(DeliveryOptions options, ILogger<FeishuPlatform> logger) : IPlatform
{
    private static readonly IFluidTemplate AlertTemplate = AlertTemplates.Builtin(typeof(FeishuPlatform).Assembly, "feishu-alert");
    private static readonly IFluidTemplate SummaryTemplate = AlertTemplates.Builtin(typeof(FeishuPlatform).Assembly, "feishu-summary");

    private readonly AlertContent _content = new(options, ChatText.Feishu, logger);

    public TargetKind Kind => TargetKind.Feishu;

    /// <summary>
    /// Feishu's signature: <c>Base64(HMAC-SHA256(key: timestamp + "\n" + secret, data: empty))</c>,
    /// with the timestamp in seconds (not DingTalk's: there the secret is the key and the string the data).
    /// </summary>
    public static string Sign(string secret, long timestampSeconds) => Convert.ToBase64String(HMACSHA256.HashData(
        Encoding.UTF8.GetBytes(timestampSeconds.ToString(CultureInfo.InvariantCulture) + "\n" + secret), Array.Empty<byte>()));

    public PlatformMessage Build(PlannedAlert alert, WebhookTargetOptions target, int maxBytes, DateTimeOffset now)
    {
        var title = AlertContent.Title(alert);
        var body = _content.Render(alert, AlertTemplate, SummaryTemplate).Trim();
        // The keyword check reads text and title values; one line of it is enough.
        var footer = string.IsNullOrEmpty(target.Keyword) || body.Contains(target.Keyword, StringComparison.Ordinal) || title.Contains(target.Keyword, StringComparison.Ordinal)
            ? ""
            : "\n" + target.Keyword;
        var lines = TextFit.Fit(body, footer, maxBytes).Split('\n');
        var message = new JsonObject
        {
            ["msg_type"] = "post",
            ["content"] = new JsonObject
            {
                ["post"] = new JsonObject
                {
                    ["zh_cn"] = new JsonObject
                    {
                        ["title"] = ChatText.Feishu(title),
                        ["content"] = new JsonArray([.. lines.Select(line => (JsonNode)(line.Length == 0
                            ? new JsonArray()
                            : new JsonArray(new JsonObject { ["tag"] = "text", ["text"] = line })))]),
                    },
                },
            },
        };
        if (!string.IsNullOrEmpty(target.Secret))
        {
            var timestamp = now.ToUnixTimeSeconds();
            message["timestamp"] = timestamp.ToString(CultureInfo.InvariantCulture);
            message["sign"] = Sign(target.Secret, timestamp);
        }

        return new PlatformMessage(title, message);
    }

    public async Task<SendResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (CodeOf(text) is not { } answer)
        {
            return response.IsSuccessStatusCode
                ? new SendResult(SendOutcome.Transient, "bad_answer", $"HTTP {(int)response.StatusCode} without a code")
                : SendResult.FromStatus(response, text);
        }

        var (code, msg) = answer;
        var label = code.ToString(CultureInfo.InvariantCulture);
        var detail = $"code {label}: {msg}";
        return code switch
        {
            0 => SendResult.Ok,
            11232 or 99991400 => new SendResult(SendOutcome.RateLimited, label, detail, SendResult.RetryAfterOf(response)),
            // Token, signature (or a clock more than an hour off), IP allow-list, keyword.
            19001 or 19021 or 19022 or 19024 => new SendResult(SendOutcome.Misconfigured, label, detail),
            9499 => new SendResult(SendOutcome.TooLong, label, detail),
            _ => new SendResult(SendOutcome.Transient, label, detail),
        };
    }

    /// <summary>The body's <c>code</c> (or the legacy <c>StatusCode</c>) and <c>msg</c>, when it is Feishu's JSON.</summary>
    private static (int Code, string? Msg)? CodeOf(string text)
    {
        try
        {
            var answer = JsonNode.Parse(text) as JsonObject;
            var code = answer?["code"] ?? answer?["StatusCode"];
            return code is JsonValue value && value.TryGetValue<int>(out var number)
                ? (number, (answer!["msg"] ?? answer["StatusMessage"])?.ToString())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
