using Eventer.Contracts;

namespace Eventer.EsIndexer.Tests;

/// <summary>The seed Event of shared/samples as the collector publishes it, and a kubelet Pod event.</summary>
internal static class EsSamples
{
    public static KubeEventObserved Seed(string? uid = null, int occurrence = 2416) => new()
    {
        Cluster = "prod-hz",
        EventUid = uid ?? Guid.NewGuid().ToString(),
        EventNamespace = "default",
        EventName = "my-sb-svc.15f344468d77364d",
        EventResourceVersion = "267629591",
        Occurrence = occurrence,
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
        Labels = new Dictionary<string, string> { ["team"] = "platform", ["app.kubernetes.io/name"] = "svc" },
        Annotations = new Dictionary<string, string> { ["eventer.io/note"] = "ünïcode ✓" },
        SourceApi = KubeEventApis.CoreV1,
        ObservedAt = new DateTimeOffset(2026, 11, 27, 9, 0, 0, 500, TimeSpan.Zero),
    };

    public static KubeEventObserved KubeletBackOff(string? uid = null) => Seed(uid, occurrence: 7) with
    {
        Reason = "BackOff",
        Message = "Back-off restarting failed container web in pod api-0_prod(…)",
        InvolvedObject = new KubeObjectReference { Kind = "Pod", Namespace = "prod", Name = "api-0", Uid = "pod-uid-1", ApiVersion = "v1", FieldPath = "spec.containers{web}" },
        Related = null,
        SourceComponent = "kubelet",
        SourceHost = "node-7",
        ReportingController = "kubelet",
        ReportingInstance = "node-7",
        Count = 7,
        Series = new KubeEventSeries { Count = 7, LastObservedTime = new DateTimeOffset(2026, 11, 28, 23, 59, 59, 250, TimeSpan.Zero) },
        EventTime = new DateTimeOffset(2026, 11, 28, 23, 0, 0, TimeSpan.Zero).AddTicks(1234560),
        SourceApi = KubeEventApis.EventsV1,
    };
}
