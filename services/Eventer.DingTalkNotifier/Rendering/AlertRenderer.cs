using System.Text;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Fluid;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Rendering;

/// <summary>A message ready to send: the title DingTalk shows in the chat list, the markdown text, the mentions.</summary>
public sealed record RenderedAlert(string Title, string Text, Mentions Mentions);

/// <summary>
/// Turns planned alerts into DingTalk markdown with the built-in Liquid templates or a route's own
/// (what they say is the core's <see cref="AlertContent"/>, escaped by <see cref="MarkdownText"/>),
/// writes the @-mentions into the text as DingTalk requires, adds the robot's keyword when the
/// text lacks it, and keeps the text under the byte limit by cutting it with a marker.
/// </summary>
public sealed class AlertRenderer(IOptions<NotifierOptions> options, ILogger<AlertRenderer>? logger = null)
{
    public const string TruncationMarker = TextFit.TruncationMarker;

    private static readonly IFluidTemplate AlertTemplate = AlertTemplates.Builtin(typeof(AlertRenderer).Assembly, "alert");
    private static readonly IFluidTemplate SummaryTemplate = AlertTemplates.Builtin(typeof(AlertRenderer).Assembly, "summary");

    private readonly AlertContent _content = new(options.Value, MarkdownText.Escape,
        logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    /// <summary>Renders <paramref name="alert"/> for <paramref name="robot"/>; the text never exceeds <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public RenderedAlert Render(PlannedAlert alert, RobotOptions robot, int maxBytes)
    {
        var mentions = AlertContent.MentionsOf(alert);
        var body = _content.Render(alert, AlertTemplate, SummaryTemplate).Trim();
        var text = TextFit.Fit(body, Footer(mentions, robot, body), maxBytes);
        if (!string.IsNullOrEmpty(robot.Keyword) && !text.Contains(robot.Keyword, StringComparison.Ordinal))
        {
            // The cut took the keyword with it: DingTalk would refuse the message (310000).
            text = TextFit.Fit(body, Footer(mentions, robot, body: ""), maxBytes);
        }

        return new RenderedAlert(AlertContent.Title(alert), text, mentions);
    }

    /// <summary>The @-mentions written into the text (DingTalk only notifies those it finds there) and the robot's keyword.</summary>
    private static string Footer(Mentions mentions, RobotOptions robot, string body)
    {
        var footer = new StringBuilder();
        var at = mentions.AtMobiles.Concat(mentions.AtUserIds).Select(m => "@" + m).ToList();
        if (at.Count > 0)
        {
            footer.Append("\n\n").AppendJoin(' ', at);
        }

        if (!string.IsNullOrEmpty(robot.Keyword) && !body.Contains(robot.Keyword, StringComparison.Ordinal))
        {
            footer.Append("\n\n").Append(robot.Keyword);
        }

        return footer.ToString();
    }
}
