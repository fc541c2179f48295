using Eventer.Contracts;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Eventer.Testing;

namespace Eventer.WebhookNotifier.Tests;

/// <summary>Occurrences and planned alerts for the webhook notifier's tests.</summary>
internal static class WebhookSamples
{
    private static long _ids;

    /// <summary>Text that breaks naive JSON and turns into markup, mentions or links on every platform here.</summary>
    public const string Hostile =
        "quote \" backslash \\ new\nline tab\t nul\u0001 <!channel> <!here> <@U123> <at user_id=\"all\">all</at> <@wangqing> @all "
        + "**bold** _it_ ~strike~ `code` [link](https://evil.example) <https://evil.example|click> # heading > quote <font color=\"warning\">x</font> "
        + "www.evil.example {{ liquid }} {% raw %} 中文 😀";

    /// <summary>A Warning whose every text field is hostile.</summary>
    public static KubeEventObserved HostileWarning(DateTimeOffset at)
    {
        var e = ObservedSamples.Warning("shop", "web-0", "BackOff", at, Hostile);
        return e with
        {
            Reason = "Back\"Off <!here>",
            InvolvedObject = e.InvolvedObject with { Name = "web-0\" <@U1>", Namespace = "shop`**" },
            Cluster = "prod <!everyone>",
        };
    }

    /// <summary>A pending alert for <paramref name="e"/> to target <c>ops</c>.</summary>
    public static PendingAlert Pending(KubeEventObserved e, string route = Router.DefaultRoute) => new(
        Interlocked.Increment(ref _ids),
        OccurrenceKey.MessageIdFor(e),
        "ops",
        route,
        AlertPlanner.FoldKeyOf(e),
        AlertContent.LastSeenOf(e),
        AlertContent.LastSeenOf(e),
        Mentions.None,
        e,
        null);

    public static PlannedAlert Single(KubeEventObserved e, string route = Router.DefaultRoute) => new(AlertShape.Single, [Pending(e, route)]);

    public static PlannedAlert Summary(params KubeEventObserved[] events) => new(AlertShape.Summary, [.. events.Select(e => Pending(e))]);
}
