using System.Globalization;
using System.Text.Json.Nodes;

namespace Eventer.Testing.Kubernetes;

/// <summary>Builds Event objects as the API server stores them, for scripting <see cref="FakeKubeApiServer"/>.</summary>
public static class KubeEvents
{
    /// <summary>A core/v1 Event about a Pod, in the legacy recorder's shape.</summary>
    public static JsonObject CoreV1(string ns, string podName, string reason, string message, int count = 1,
        string type = "Warning", DateTime? first = null, DateTime? last = null)
    {
        var firstSeen = first ?? DateTime.UtcNow;
        var lastSeen = last ?? firstSeen;
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{podName}.{Nanos(firstSeen):x}",
                ["namespace"] = ns,
            },
            ["involvedObject"] = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["name"] = podName,
                ["namespace"] = ns,
                ["uid"] = Guid.NewGuid().ToString(),
                ["resourceVersion"] = "4242",
                ["fieldPath"] = "spec.containers{app}",
            },
            ["reason"] = reason,
            ["message"] = message,
            ["type"] = type,
            ["count"] = count,
            ["firstTimestamp"] = Time(firstSeen),
            ["lastTimestamp"] = Time(lastSeen),
            ["source"] = new JsonObject { ["component"] = "kubelet", ["host"] = "node-a" },
            ["reportingComponent"] = "kubelet",
            ["reportingInstance"] = "node-a",
        };
    }

    /// <summary>An events.k8s.io/v1 Event with a series, in the new recorder's shape.</summary>
    public static JsonObject EventsV1(string ns, string podName, string reason, string note, int? seriesCount = null,
        string type = "Warning", DateTime? eventTime = null)
    {
        var time = eventTime ?? DateTime.UtcNow;
        var @event = new JsonObject
        {
            ["apiVersion"] = "events.k8s.io/v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{podName}.{Nanos(time):x}",
                ["namespace"] = ns,
            },
            ["eventTime"] = time.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            ["reportingController"] = "kubelet",
            ["reportingInstance"] = "node-a",
            ["action"] = "Pulling",
            ["reason"] = reason,
            ["regarding"] = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["name"] = podName,
                ["namespace"] = ns,
                ["uid"] = Guid.NewGuid().ToString(),
            },
            ["note"] = note,
            ["type"] = type,
        };
        if (seriesCount is { } count)
        {
            @event["series"] = new JsonObject
            {
                ["count"] = count,
                ["lastObservedTime"] = time.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            };
        }

        return @event;
    }

    /// <summary>Raises a core/v1 Event's count by one, as the legacy recorder's PATCH does.</summary>
    public static void Repeat(JsonObject @event)
    {
        @event["count"] = (int)@event["count"]! + 1;
        @event["lastTimestamp"] = Time(DateTime.UtcNow);
    }

    public static string Uid(JsonObject @event) => (string)@event["metadata"]!["uid"]!;

    private static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static long Nanos(DateTime t) => (t.ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100;
}
