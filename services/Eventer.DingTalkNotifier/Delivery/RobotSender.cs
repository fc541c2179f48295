using Eventer.DingTalkNotifier.Rendering;
using Eventer.Notifications.Delivery;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>The DingTalk sink's part of delivery: render for the robot, send with its client (or log in a dry run).</summary>
public sealed class RobotSender(AlertRenderer renderer, IRobotClient client, IOptions<NotifierOptions> options) : IAlertSender
{
    private readonly NotifierOptions _options = options.Value;

    public int MaxMessageBytes(string target) => _options.MaxMessageBytes;

    public Task<SendResult> SendAsync(string target, PlannedAlert alert, int maxBytes, CancellationToken cancellationToken)
    {
        var robot = _options.Robots[target];
        return client.SendAsync(target, robot, renderer.Render(alert, robot, maxBytes), cancellationToken);
    }
}
