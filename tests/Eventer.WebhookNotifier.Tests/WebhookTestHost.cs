using Eventer.Testing.Notifications;
using Microsoft.AspNetCore.Builder;

namespace Eventer.WebhookNotifier.Tests;

/// <summary>The real webhook notifier on its own virtual host and database, its targets pointing at fakes.</summary>
internal static class WebhookTestHost
{
    public static readonly NotifierKind Kind = new(
        configure => WebhookHost.Build([], configure), WebhookHost.Sink.Schema, WebhookHost.Sink.TelemetryName, WebhookHost.Sink.Prefix, "targets");

    /// <summary>Settings for one target <c>ops</c> of <paramref name="kind"/> at <paramref name="url"/>, quick dispatching and back-offs.</summary>
    public static Dictionary<string, string?> OneTarget(string kind, string url) => new()
    {
        ["Webhook:Targets:ops:Kind"] = kind,
        ["Webhook:Targets:ops:Url"] = url,
        ["Webhook:DispatchInterval"] = "00:00:00.100",
        ["Webhook:ThrottleBackoff"] = "00:00:00.500",
        ["Webhook:LongestFailureBackoff"] = "00:00:00.500",
        ["Webhook:RequestTimeout"] = "00:00:02",
        // No folding: a second copy, if one were sent, would go out on its own and show.
        ["Webhook:FoldWindow"] = "00:00:00",
    };

    /// <inheritdoc cref="DeliveryTestHost.StartAsync"/>
    public static Task<DeliveryTestHost> StartAsync(
        Dictionary<string, string?> settings, string? rabbitMq = null, string? postgres = null, bool waitUntilReady = true,
        Action<WebApplicationBuilder>? configure = null) =>
        DeliveryTestHost.StartAsync(Kind, settings, rabbitMq, postgres, waitUntilReady, configure);
}
