namespace Eventer.Notifications.Routing;

/// <summary>
/// One place messages go (a DingTalk robot, a Slack webhook, …): what the core needs of a sink's
/// target settings — its rate limits, its address (to find one target configured twice), and what
/// is wrong with it.
/// </summary>
public abstract class TargetOptions
{
    /// <summary>The most messages the platform takes in any minute; the budget storms are planned against.</summary>
    public abstract int PerMinuteLimit();

    /// <summary>The most messages the platform takes in any second, when it counts seconds too; sends are paced to it.</summary>
    public virtual int? PerSecondLimit() => null;

    /// <summary>Where messages are posted (a secret: compared, never shown).</summary>
    public abstract string? Address();

    /// <summary>The key of <see cref="Address"/> below the target, e.g. <c>Webhook</c>.</summary>
    public abstract string AddressKey { get; }

    /// <summary>The platform's name for logs, e.g. <c>DingTalk</c>.</summary>
    public abstract string Platform();

    /// <summary>What to check when the platform refuses the target's settings, e.g. "Check its Webhook and Secret".</summary>
    public abstract string MisconfiguredHint();

    /// <summary>Problems with these settings, keys relative to the target; an empty address may be allowed in a dry run.</summary>
    public abstract IEnumerable<ConfigProblem> Problems(bool dryRun);
}
