using Eventer.Contracts;

namespace Eventer.Testing;

/// <summary>The seed Event of shared/samples as the collector publishes it, for the consumers' tests.</summary>
public static class ObservedSamples
{
    public static KubeEventObserved Seed(string? uid = null) => new()
    {
        Cluster = "prod-hz",
        EventUid = uid ?? Guid.NewGuid().ToString(),
        EventNamespace = "default",
        EventName = "my-sb-svc.15f344468d77364d",
        EventResourceVersion = "267629591",
        Occurrence = 2416,
        Type = "Warning",
        Reason = "PortAlreadyAllocated",
        Message = "Port 666 was assigned to multiple services; please recreate service",
        InvolvedObject = new KubeObjectReference
        {
            Kind = "Service",
            Namespace = "default",
            Name = "my-sb-svc",
            Uid = "96117aad-4f24-11ea-a87c-00163e04f1e0",
            ApiVersion = "v1",
            ResourceVersion = "264028180",
        },
        Related = new KubeObjectReference { Kind = "Node", Name = "node-a" },
        SourceComponent = "portallocator-repair-controller",
        FirstTimestamp = new DateTimeOffset(2020, 2, 14, 12, 22, 43, TimeSpan.Zero),
        LastTimestamp = new DateTimeOffset(2020, 2, 19, 13, 8, 25, TimeSpan.Zero),
        Count = 2416,
        Series = new KubeEventSeries { Count = 3, LastObservedTime = new DateTimeOffset(2020, 2, 19, 13, 8, 25, 123, TimeSpan.Zero) },
        Labels = new Dictionary<string, string> { ["team"] = "platform" },
        Annotations = new Dictionary<string, string> { ["eventer.io/note"] = "ünïcode ✓" },
        SourceApi = KubeEventApis.CoreV1,
        ObservedAt = new DateTimeOffset(2026, 11, 27, 9, 0, 0, 500, TimeSpan.Zero),
    };

    /// <summary>A fresh Warning about a pod in cluster <c>prod-hz</c>, last seen at <paramref name="lastSeen"/>.</summary>
    public static KubeEventObserved Warning(string ns, string pod, string reason, DateTimeOffset lastSeen, string message = "Back-off restarting failed container") => new()
    {
        Cluster = "prod-hz",
        EventUid = Guid.NewGuid().ToString(),
        EventNamespace = ns,
        EventName = $"{pod}.{Guid.NewGuid():N}",
        Occurrence = 1,
        Type = "Warning",
        Reason = reason,
        Message = message,
        InvolvedObject = new KubeObjectReference { Kind = "Pod", Namespace = ns, Name = pod, Uid = Guid.NewGuid().ToString(), ApiVersion = "v1" },
        SourceComponent = "kubelet",
        SourceHost = "node-1",
        FirstTimestamp = lastSeen,
        LastTimestamp = lastSeen,
        Count = 1,
        ObservedAt = lastSeen,
    };
}
