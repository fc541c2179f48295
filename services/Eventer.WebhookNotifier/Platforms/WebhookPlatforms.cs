using Eventer.WebhookNotifier.Routing;

namespace Eventer.WebhookNotifier.Platforms;

/// <summary>What each platform allows: its rate limits, the longest text it takes, what to check when it refuses a target.</summary>
public static class WebhookPlatforms
{
    /// <param name="MessagesPerMinute">The budget storms are planned against.</param>
    /// <param name="MessagesPerSecond">Sends are paced to it, when the platform counts seconds.</param>
    /// <param name="MaxMessageBytes">The longest text (UTF-8 bytes) the notifier puts in one message.</param>
    /// <param name="MisconfiguredHint">What an operator checks when the platform refuses the target.</param>
    public sealed record Limits(int MessagesPerMinute, int? MessagesPerSecond, int MaxMessageBytes, string MisconfiguredHint);

    public static Limits Of(TargetKind kind) => kind switch
    {
        // 1 a second, short bursts allowed; a section's text holds 3,000 characters.
        TargetKind.Slack => new(60, 1, 3_000, "Check its Url (a removed hook answers 404 no_service, an archived channel 410)"),
        // 100 a minute and 5 a second per bot; the whole body at most 20 KB.
        TargetKind.Feishu => new(100, 5, 18_000, "Check its Url token, Secret, Keyword and IP allow-list"),
        // 20 a minute per robot; markdown content at most 4,096 bytes.
        TargetKind.WeCom => new(20, null, 4_096, "Check its Url key (93000: the robot was removed or the key is wrong)"),
        _ => new(60, null, 1_000_000, "Check its Url and Headers (the endpoint answered 4xx)"),
    };
}
