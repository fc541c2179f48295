using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Eventer.WebhookNotifier.Platforms;

namespace Eventer.WebhookNotifier.Routing;

/// <summary>Which platform a target is: how its messages look, how it is signed, how its answers read.</summary>
public enum TargetKind
{
    /// <summary>A Slack incoming webhook (<c>https://hooks.slack.com/services/…</c>).</summary>
    Slack,

    /// <summary>A Feishu or Lark custom bot (<c>https://open.feishu.cn/open-apis/bot/v2/hook/…</c>, <c>open.larksuite.com</c>).</summary>
    Feishu,

    /// <summary>A WeCom group robot (<c>https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…</c>).</summary>
    WeCom,

    /// <summary>Any endpoint that takes JSON: the body is a Liquid template.</summary>
    Json,
}

/// <summary>One target (<c>Webhook:Targets:&lt;name&gt;</c>).</summary>
public sealed partial class WebhookTargetOptions : TargetOptions
{
    /// <summary>Which platform: Slack, Feishu (also Lark), WeCom or Json.</summary>
    public TargetKind? Kind { get; set; }

    /// <summary>Where messages are posted. A secret (it carries the platform's token): never logged.</summary>
    public string? Url { get; set; }

    /// <summary>Feishu/Lark: the signing secret of the bot's "signature verification" setting. A secret: never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>Feishu/Lark: the custom keyword of the bot's "keywords" setting; added to any message that lacks it.</summary>
    public string? Keyword { get; set; }

    /// <summary>The most messages in any minute; default the platform's: Slack 60, Feishu 100, WeCom 20, Json 60.</summary>
    public int? MessagesPerMinute { get; set; }

    /// <summary>The most messages in any second; default the platform's: Slack 1, Feishu 5, none for WeCom and Json.</summary>
    public int? MessagesPerSecond { get; set; }

    /// <summary>Json: the Liquid template of the body for one alert; its values are raw, so write <c>{{ message | json }}</c>. Default: the built-in one.</summary>
    public string? Template { get; set; }

    /// <summary>Json: the Liquid template of the body for a storm summary or held-back note. Default: the built-in one.</summary>
    public string? SummaryTemplate { get; set; }

    /// <summary>Json: headers sent with every request, e.g. <c>Authorization</c>. Values are secrets: never logged.</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    public override int PerMinuteLimit() => MessagesPerMinute ?? Limits.MessagesPerMinute;

    public override int? PerSecondLimit() => MessagesPerSecond ?? Limits.MessagesPerSecond;

    public override string? Address() => Url;

    public override string AddressKey => nameof(Url);

    public override string Platform() => (Kind ?? TargetKind.Json).ToString();

    public override string MisconfiguredHint() => Limits.MisconfiguredHint;

    /// <summary>The platform's defaults (a target without a kind is refused at start; until then, Json's).</summary>
    private WebhookPlatforms.Limits Limits => WebhookPlatforms.Of(Kind ?? TargetKind.Json);

    public override IEnumerable<ConfigProblem> Problems(bool dryRun)
    {
        if (Kind is null)
        {
            yield return new ConfigProblem(nameof(Kind), "is required: Slack, Feishu, WeCom or Json");
        }

        if (string.IsNullOrWhiteSpace(Url))
        {
            if (!dryRun)
            {
                yield return new ConfigProblem(nameof(Url), "is required (the webhook URL the platform gave)");
            }
        }
        else if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            // The value itself holds the token: the message must not repeat it.
            yield return new ConfigProblem(nameof(Url), "is not an absolute http(s) URL");
        }

        if (MessagesPerMinute is < 1 or > 6000)
        {
            yield return new ConfigProblem(nameof(MessagesPerMinute), "must be between 1 and 6000");
        }

        if (MessagesPerSecond is < 1 or > 100)
        {
            yield return new ConfigProblem(nameof(MessagesPerSecond), "must be between 1 and 100");
        }

        if (!string.IsNullOrEmpty(Secret) && Kind is not TargetKind.Feishu)
        {
            yield return new ConfigProblem(nameof(Secret), "is only used by Feishu/Lark targets (Slack and WeCom carry their token in the URL)");
        }

        foreach (var (key, template) in new[] { (nameof(Template), Template), (nameof(SummaryTemplate), SummaryTemplate) })
        {
            if (template is { Length: > 0 } && Kind is not TargetKind.Json)
            {
                yield return new ConfigProblem(key, "is only used by Json targets (the others have ready templates; a route's Template replaces the alert text)");
            }
            else if (template is { Length: > 0 } && AlertTemplates.ParseProblem(template) is { } problem)
            {
                yield return new ConfigProblem(key, problem);
            }
        }

        foreach (var header in Headers.Keys.Where(h => !HeaderName().IsMatch(h)))
        {
            yield return new ConfigProblem($"{nameof(Headers)}:{header}", "is not a valid header name");
        }
    }

    // RFC 9110 token characters.
    [System.Text.RegularExpressions.GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial System.Text.RegularExpressions.Regex HeaderName();
}
