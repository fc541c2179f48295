using Eventer.Notifications.Routing;

namespace Eventer.DingTalkNotifier.Routing;

/// <summary>One DingTalk custom robot (<c>DingTalk:Robots:&lt;name&gt;</c>).</summary>
public sealed class RobotOptions : TargetOptions
{
    /// <summary>The robot's webhook, <c>https://oapi.dingtalk.com/robot/send?access_token=…</c>. A secret: never logged.</summary>
    public string? Webhook { get; set; }

    /// <summary>The signing secret (<c>SEC…</c>) when the robot's security setting is "signature". A secret: never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>The custom keyword when the robot's security setting is "keywords"; added to any message that lacks it.</summary>
    public string? Keyword { get; set; }

    /// <summary>DingTalk accepts 20 messages a minute per robot and then refuses everything for 10 minutes.</summary>
    public int MessagesPerMinute { get; set; } = 20;

    public override int PerMinuteLimit() => MessagesPerMinute;

    public override string? Address() => Webhook;

    public override string AddressKey => nameof(Webhook);

    public override string Platform() => "DingTalk";

    public override string MisconfiguredHint() => "Check its Webhook access_token, Secret, Keyword and IP allow-list";

    /// <summary>Problems with these settings; an empty webhook is allowed only in a dry run.</summary>
    public override IEnumerable<ConfigProblem> Problems(bool dryRun)
    {
        if (string.IsNullOrWhiteSpace(Webhook))
        {
            if (!dryRun)
            {
                yield return new ConfigProblem(nameof(Webhook), "is required (the robot's webhook URL with its access_token)");
            }
        }
        else if (!Uri.TryCreate(Webhook, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            // The value itself holds the access token: the message must not repeat it.
            yield return new ConfigProblem(nameof(Webhook), "is not an absolute http(s) URL");
        }

        if (MessagesPerMinute is < 1 or > 600)
        {
            yield return new ConfigProblem(nameof(MessagesPerMinute), "must be between 1 and 600");
        }
    }
}
