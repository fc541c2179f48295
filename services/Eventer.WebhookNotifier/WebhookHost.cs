using Eventer.Notifications;
using Eventer.ServiceDefaults;
using Eventer.WebhookNotifier.Delivery;
using Eventer.WebhookNotifier.Platforms;

namespace Eventer.WebhookNotifier;

/// <summary>
/// The webhook notifier, assembled: the delivery core (queue <c>webhook-notifier</c> → routes →
/// pending alerts in schema <c>webhook</c> → one dispatcher) with Slack, Feishu/Lark, WeCom and
/// JSON endpoints as its targets.
/// </summary>
public static class WebhookHost
{
    public const string ServiceName = "webhook-notifier";
    public const string Queue = "webhook-notifier";

    /// <summary>Its tables, meter, activity source and metric names (<c>eventer.webhook.…</c>).</summary>
    public static readonly DeliverySink Sink = new("webhook", "Eventer.WebhookNotifier", "webhook");

    /// <summary>Builds the notifier; <paramref name="configure"/> lets tests add configuration or services first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults(ServiceName);
        builder.AddDelivery<WebhookOptions, WebhookSender>(Sink, WebhookOptions.Section, Queue);
        builder.Services.AddPlatformClient<WebhookSender>();
        builder.Services.AddSingleton<IPlatform, SlackPlatform>();
        builder.Services.AddSingleton<IPlatform, FeishuPlatform>();
        builder.Services.AddSingleton<IPlatform, WeComPlatform>();
        builder.Services.AddSingleton<IPlatform, JsonPlatform>();

        var app = builder.Build();
        app.MapServiceDefaults();
        return app;
    }
}
