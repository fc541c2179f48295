using System.Text.Json;
using Eventer.Collector.Mapping;
using Eventer.Contracts;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Eventer.Testing;
using k8s.Models;

namespace Eventer.DingTalkNotifier.Tests;

/// <summary>Occurrences for the notifier's tests: the real seed sample as the collector publishes it, and variations.</summary>
internal static class NotifierSamples
{
    private static long _ids;

    /// <summary>shared/samples/core-v1-eventlist-seed.json through the collector's own mapper, cluster "prod-hz".</summary>
    public static KubeEventObserved Seed()
    {
        var e = JsonSerializer.Deserialize<Corev1Event>(Samples.SeedEvent().ToJsonString(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        return new KubeEventMapper("prod-hz", TimeProvider.System).FromCoreV1(e);
    }

    /// <inheritdoc cref="ObservedSamples.Warning"/>
    public static KubeEventObserved Warning(string ns, string pod, string reason, DateTimeOffset lastSeen, string message = "Back-off restarting failed container") =>
        ObservedSamples.Warning(ns, pod, reason, lastSeen, message);

    /// <summary>A pending alert for <paramref name="e"/>; it reached the notifier at <paramref name="receivedAt"/>, by default when it was last seen.</summary>
    public static PendingAlert Pending(KubeEventObserved e, string route = Router.DefaultRoute, Mentions? mentions = null, string robot = "ops",
        DateTimeOffset? receivedAt = null) => new(
        Interlocked.Increment(ref _ids),
        OccurrenceKey.MessageIdFor(e),
        robot,
        route,
        AlertPlanner.FoldKeyOf(e),
        AlertContent.LastSeenOf(e),
        receivedAt ?? AlertContent.LastSeenOf(e),
        mentions ?? Mentions.None,
        e,
        null);
}
