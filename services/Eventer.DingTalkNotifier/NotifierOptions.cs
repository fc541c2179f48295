using System.ComponentModel.DataAnnotations;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications;
using Eventer.Notifications.Routing;

namespace Eventer.DingTalkNotifier;

/// <summary>
/// The notifier's settings (section <c>DingTalk</c>): the robots, the route tree that picks which
/// occurrences go to which robot, and how long messages may be; silences, how alerts look and how
/// storms are tamed are the delivery core's (<see cref="DeliveryOptions"/>).
/// </summary>
public sealed class NotifierOptions : DeliveryOptions
{
    public const string Section = "DingTalk";

    private static readonly DeliveryVocabulary Vocabulary = new(Section, "robot", nameof(Robots), nameof(DefaultRobot), nameof(RobotOptions.Webhook));

    /// <summary>The robots, by name (the name appears in routes, metrics, logs and readiness; the webhook never does).</summary>
    public Dictionary<string, RobotOptions> Robots { get; set; } = [];

    /// <summary>Where an occurrence that no route matched goes when it is a Warning; default: the only robot, when there is one.</summary>
    public string? DefaultRobot { get; set; }

    /// <summary>Routes, evaluated in order; the first that matches decides unless it says <c>Continue</c>.</summary>
    public List<RobotRoute> Routes { get; set; } = [];

    /// <summary>The longest message text sent, in UTF-8 bytes (DingTalk refuses more than 20,000).</summary>
    [Range(1_000, 20_000)]
    public int MaxMessageBytes { get; set; } = 19_000;

    public override IReadOnlyDictionary<string, TargetOptions> TargetSettings() => Robots.ToDictionary(r => r.Key, r => (TargetOptions)r.Value);

    public override IReadOnlyList<RouteRule> RouteRules() => Routes;

    protected override string? ConfiguredDefaultTarget() => DefaultRobot;

    public override DeliveryVocabulary Words() => Vocabulary;
}
