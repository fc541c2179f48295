using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.Notifications;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Rendering;
using Eventer.WebhookNotifier.Routing;
using Fluid;

namespace Eventer.WebhookNotifier.Platforms;

/// <summary>
/// WeCom group robots: markdown (content at most 4,096 bytes), no mention lists ever. WeCom answers
/// HTTP 200 with an <c>errcode</c>: 45009 is its limit of 20 a minute, 93000 a key it does not know,
/// 40058 a content too long, 40008/44004 a message it cannot take.
/// </summary>
public sealed class WeComPlatform(DeliveryOptions options, ILogger<WeComPlatform> logger) : IPlatform
{
    private static readonly IFluidTemplate AlertTemplate = AlertTemplates.Builtin(typeof(WeComPlatform).Assembly, "wecom-alert");
    private static readonly IFluidTemplate SummaryTemplate = AlertTemplates.Builtin(typeof(WeComPlatform).Assembly, "wecom-summary");

    private readonly AlertContent _content = new(options, ChatText.WeCom, logger);

    public TargetKind Kind => TargetKind.WeCom;

    public PlatformMessage Build(PlannedAlert alert, WebhookTargetOptions target, int maxBytes, DateTimeOffset now)
    {
        var text = TextFit.Fit(_content.Render(alert, AlertTemplate, SummaryTemplate).Trim(), "", maxBytes);
        var body = new JsonObject
        {
            ["msgtype"] = "markdown",
            ["markdown"] = new JsonObject { ["content"] = text },
        };
        return new PlatformMessage(AlertContent.Title(alert), body);
    }

    public async Task<SendResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            return SendResult.FromStatus(response);
        }

        try
        {
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
            if (answer?["errcode"] is JsonValue value && value.TryGetValue<int>(out var errCode))
            {
                var code = errCode.ToString(CultureInfo.InvariantCulture);
                var detail = $"errcode {code}: {SendResult.Shorten(answer["errmsg"]?.ToString() ?? "")}";
                return errCode switch
                {
                    0 => SendResult.Ok,
                    45009 => new SendResult(SendOutcome.RateLimited, code, detail),
                    93000 => new SendResult(SendOutcome.Misconfigured, code, detail),
                    40058 => new SendResult(SendOutcome.TooLong, code, detail),
                    40008 or 44004 => new SendResult(SendOutcome.Rejected, code, detail),
                    _ => new SendResult(SendOutcome.Transient, code, detail),
                };
            }
        }
        catch (JsonException)
        {
            // Fall through: not WeCom's JSON.
        }

        return new SendResult(SendOutcome.Transient, "bad_answer", $"HTTP {(int)response.StatusCode} without an errcode");
    }
}
