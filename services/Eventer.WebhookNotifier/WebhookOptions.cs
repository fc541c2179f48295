using Eventer.Notifications;
using Eventer.Notifications.Routing;
using Eventer.WebhookNotifier.Routing;

namespace Eventer.WebhookNotifier;

/// <summary>
/// The webhook notifier's settings (section <c>Webhook</c>): its targets (Slack, Feishu/Lark, WeCom
/// or any JSON endpoint) and the routes to them; silences, how alerts look and how storms are tamed
/// are the delivery core's (<see cref="DeliveryOptions"/>), the same as the DingTalk notifier's.
/// </summary>
public sealed class WebhookOptions : DeliveryOptions
{
    public const string Section = "Webhook";

    private static readonly DeliveryVocabulary Vocabulary = new(Section, "target", nameof(Targets), nameof(DefaultTarget), nameof(WebhookTargetOptions.Url));

    /// <summary>The targets, by name (the name appears in routes, metrics, logs and readiness; the URL never does).</summary>
    public Dictionary<string, WebhookTargetOptions> Targets { get; set; } = [];

    /// <summary>Where an occurrence that no route matched goes when it is a Warning; default: the only target, when there is one.</summary>
    public string? DefaultTarget { get; set; }

    /// <summary>Routes, evaluated in order; the first that matches decides unless it says <c>Continue</c>.</summary>
    public List<WebhookRoute> Routes { get; set; } = [];

    public override IReadOnlyDictionary<string, TargetOptions> TargetSettings() => Targets.ToDictionary(t => t.Key, t => (TargetOptions)t.Value);

    public override IReadOnlyList<RouteRule> RouteRules() => Routes;

    protected override string? ConfiguredDefaultTarget() => DefaultTarget;

    public override DeliveryVocabulary Words() => Vocabulary;
}
