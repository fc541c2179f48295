using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Delivery;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary><c>DingTalk:DryRun</c>: every message is logged as it would be sent, and nothing is sent.</summary>
public sealed class DryRunSender(ILogger<DryRunSender> logger) : IRobotClient
{
    public Task<SendResult> SendAsync(string robotName, RobotOptions robot, RenderedAlert alert, CancellationToken cancellationToken)
    {
        logger.LogInformation("Dry run: to robot {Robot}, title {Title}, mentions {AtMobiles} {AtUserIds} all={IsAtAll}:\n{Text}",
            robotName, alert.Title, alert.Mentions.AtMobiles, alert.Mentions.AtUserIds, alert.Mentions.IsAtAll, alert.Text);
        return Task.FromResult(SendResult.Ok);
    }
}
