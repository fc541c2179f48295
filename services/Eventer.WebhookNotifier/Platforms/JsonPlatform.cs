using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.Notifications;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Rendering;
using Eventer.WebhookNotifier.Routing;
using Fluid;

namespace Eventer.WebhookNotifier.Platforms;

/// <summary>
/// Any endpoint that takes JSON: the body is a Liquid template over the raw event values, which its
/// <c>json</c> filter turns into JSON literals (<c>{{ message | json }}</c>), so quotes, newlines and
/// control characters in an event cannot break it. A body that still does not parse (a template
/// that quotes a value itself) is logged and sent in the built-in form instead, never broken.
/// </summary>
public sealed class JsonPlatform(DeliveryOptions options, ILogger<JsonPlatform> logger) : IPlatform
{
    private static readonly IFluidTemplate AlertTemplate = AlertTemplates.Builtin(typeof(JsonPlatform).Assembly, "json-alert");
    private static readonly IFluidTemplate SummaryTemplate = AlertTemplates.Builtin(typeof(JsonPlatform).Assembly, "json-summary");

    private readonly AlertContent _content = new(options, ChatText.Raw, logger);
    private readonly ConcurrentDictionary<string, IFluidTemplate> _parsed = new(StringComparer.Ordinal);

    public TargetKind Kind => TargetKind.Json;

    public PlatformMessage Build(PlannedAlert alert, WebhookTargetOptions target, int maxBytes, DateTimeOffset now)
    {
        var title = AlertContent.Title(alert);
        var rendered = _content.Render(alert, Parsed(target.Template) ?? AlertTemplate, Parsed(target.SummaryTemplate) ?? SummaryTemplate);
        if (ParseObject(rendered) is { } body)
        {
            return new PlatformMessage(title, body);
        }

        logger.LogWarning("A configured template rendered a body that is not a JSON object for a {Shape} alert; the built-in template is used. "
            + "Write event values through the json filter: {{{{ message | json }}}}", alert.Disposition);
        return new PlatformMessage(title, ParseObject(_content.Render(alert, AlertTemplate, SummaryTemplate, routeTemplates: false))!);
    }

    public Task<SendResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        return Task.FromResult(response.IsSuccessStatusCode ? SendResult.Ok : status switch
        {
            // The endpoint refused this body (bad request, too large, unprocessable): resending it cannot help.
            400 or 413 or 422 => new SendResult(SendOutcome.Rejected, $"http_{status}", $"HTTP {status}"),
            _ => SendResult.FromStatus(response),
        });
    }

    private IFluidTemplate? Parsed(string? template) =>
        string.IsNullOrEmpty(template) ? null : _parsed.GetOrAdd(template, AlertTemplates.Parse);

    private static JsonObject? ParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
