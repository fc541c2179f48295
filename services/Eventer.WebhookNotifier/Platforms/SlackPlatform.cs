using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Eventer.Notifications;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Rendering;
using Eventer.WebhookNotifier.Routing;
using Fluid;

namespace Eventer.WebhookNotifier.Platforms;

/// <summary>
/// Slack incoming webhooks: one mrkdwn section (its text at most 3,000 characters) and the title as
/// the notification's fallback text. Slack answers with a status and a short text: <c>ok</c>, or an
/// error such as <c>invalid_payload</c> (400), <c>channel_not_found</c> (404), <c>channel_is_archived</c>
/// (410), or 429 with <c>Retry-After</c>.
/// </summary>
public sealed partial class SlackPlatform(DeliveryOptions options, ILogger<SlackPlatform> logger) : IPlatform
{
    private static readonly IFluidTemplate AlertTemplate = AlertTemplates.Builtin(typeof(SlackPlatform).Assembly, "slack-alert");
    private static readonly IFluidTemplate SummaryTemplate = AlertTemplates.Builtin(typeof(SlackPlatform).Assembly, "slack-summary");

    private readonly AlertContent _content = new(options, ChatText.Slack, logger);

    public TargetKind Kind => TargetKind.Slack;

    public PlatformMessage Build(PlannedAlert alert, WebhookTargetOptions target, int maxBytes, DateTimeOffset now)
    {
        var title = AlertContent.Title(alert);
        var text = TextFit.Fit(_content.Render(alert, AlertTemplate, SummaryTemplate).Trim(), "", maxBytes);
        var body = new JsonObject
        {
            ["text"] = ChatText.Slack(title),
            ["blocks"] = new JsonArray(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = text },
            }),
        };
        return new PlatformMessage(title, body);
    }

    public async Task<SendResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return SendResult.Ok;
        }

        var answer = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
        // Slack's error texts are short snake_case words; anything else (a gateway's page) is not a label.
        var code = ErrorWord().IsMatch(answer) ? answer : $"http_{(int)response.StatusCode}";
        var detail = $"HTTP {(int)response.StatusCode}: {SendResult.Shorten(answer)}";
        return code switch
        {
            "invalid_payload" or "invalid_blocks" or "no_text" or "too_many_attachments" or "user_not_found"
                => new SendResult(SendOutcome.Rejected, code, detail),
            "msg_too_long" or "msg_blocks_too_long" => new SendResult(SendOutcome.TooLong, code, detail),
            _ => SendResult.FromStatus(response, answer) with { Code = code },
        };
    }

    [GeneratedRegex("^[a-z_]{2,40}$")]
    private static partial Regex ErrorWord();
}
