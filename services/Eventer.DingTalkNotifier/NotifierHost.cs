using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.Notifications;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier;

/// <summary>
/// The DingTalk notifier, assembled: the delivery core (queue <c>dingtalk-notifier</c> → routes →
/// pending alerts in schema <c>dingtalk</c> → one dispatcher) with DingTalk's robots as its targets.
/// </summary>
public static class NotifierHost
{
    public const string ServiceName = "dingtalk-notifier";
    public const string Queue = "dingtalk-notifier";

    /// <summary>Its tables, meter, activity source and metric names (<c>eventer.dingtalk.…</c>).</summary>
    public static readonly DeliverySink Sink = new("dingtalk", "Eventer.DingTalkNotifier", "dingtalk");

    /// <summary>Builds the notifier; <paramref name="configure"/> lets tests add configuration or services first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults(ServiceName);
        builder.AddDelivery<NotifierOptions, RobotSender>(Sink, NotifierOptions.Section, Queue);
        builder.Services.AddSingleton<AlertRenderer>();
        builder.Services.AddPlatformClient<DingTalkClient>();
        builder.Services.AddSingleton<IRobotClient>(services =>
            services.GetRequiredService<IOptions<NotifierOptions>>().Value.DryRun
                ? ActivatorUtilities.CreateInstance<DryRunSender>(services)
                : services.GetRequiredService<DingTalkClient>());

        var app = builder.Build();
        app.MapServiceDefaults();
        return app;
    }
}
