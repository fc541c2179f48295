using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Delivery;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>Sends one rendered message to one robot: DingTalk itself, or the log in a dry run.</summary>
public interface IRobotClient
{
    Task<SendResult> SendAsync(string robotName, RobotOptions robot, RenderedAlert alert, CancellationToken cancellationToken);
}
