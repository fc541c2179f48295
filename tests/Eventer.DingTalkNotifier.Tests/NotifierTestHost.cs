using Eventer.Testing.DingTalk;
using Eventer.Testing.Notifications;
using Microsoft.AspNetCore.Builder;

namespace Eventer.DingTalkNotifier.Tests;

/// <summary>The real notifier host on its own virtual host and database, its robots pointing at a <see cref="FakeDingTalk"/>.</summary>
internal static class NotifierTestHost
{
    public static readonly NotifierKind Kind = new(
        configure => NotifierHost.Build([], configure), NotifierHost.Sink.Schema, NotifierHost.Sink.TelemetryName, NotifierHost.Sink.Prefix, "robots");

    /// <summary>
    /// Settings for one robot <c>ops</c> on <paramref name="fake"/> with token <paramref name="token"/>,
    /// quick dispatching and back-offs; a test adds or overrides keys.
    /// </summary>
    public static Dictionary<string, string?> OneRobot(FakeDingTalk fake, string token, string? secret = null) => new()
    {
        ["DingTalk:Robots:ops:Webhook"] = fake.WebhookUrl(token),
        ["DingTalk:Robots:ops:Secret"] = secret,
        ["DingTalk:DispatchInterval"] = "00:00:00.100",
        ["DingTalk:ThrottleBackoff"] = "00:00:00.500",
        ["DingTalk:RequestTimeout"] = "00:00:02",
    };

    /// <inheritdoc cref="DeliveryTestHost.StartAsync"/>
    public static Task<DeliveryTestHost> StartAsync(
        Dictionary<string, string?> settings, string? rabbitMq = null, string? postgres = null, bool waitUntilReady = true,
        Action<WebApplicationBuilder>? configure = null) =>
        DeliveryTestHost.StartAsync(Kind, settings, rabbitMq, postgres, waitUntilReady, configure);

    /// <inheritdoc cref="DeliveryTestHost.Total"/>
    public static long Total(Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long> counter) => DeliveryTestHost.Total(counter);
}
