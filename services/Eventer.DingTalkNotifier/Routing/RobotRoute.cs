using Eventer.Notifications.Routing;

namespace Eventer.DingTalkNotifier.Routing;

/// <summary>
/// A route to a robot (<c>DingTalk:Routes:&lt;i&gt;</c>): the core's route with the robot it sends
/// to and whom the message @-mentions.
/// </summary>
public sealed class RobotRoute : RouteRule
{
    /// <summary>The robot to send to (a name under <c>DingTalk:Robots</c>).</summary>
    public string? Robot { get; set; }

    /// <summary>Mobile numbers to @-mention; DingTalk also needs them written in the text, which the notifier does.</summary>
    public List<string> AtMobiles { get; set; } = [];

    /// <summary>DingTalk user ids to @-mention.</summary>
    public List<string> AtUserIds { get; set; } = [];

    /// <summary>@-mention everyone in the group.</summary>
    public bool IsAtAll { get; set; }

    protected override string TargetKey => nameof(Robot);

    public override string? TargetName() => Robot;

    public override Mentions Mentions() => new(AtMobiles, AtUserIds, IsAtAll);
}
