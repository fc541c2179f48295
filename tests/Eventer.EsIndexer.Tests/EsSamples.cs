using Eventer.Contracts;
using Eventer.Testing;

namespace Eventer.EsIndexer.Tests;

/// <summary>The seed Event of shared/samples as the collector publishes it, and a kubelet Pod event.</summary>
internal static class EsSamples
{
    /// <summary>The archive's seed, without a series, with a label whose key has dots and a slash.</summary>
    public static KubeEventObserved Seed(string? uid = null, int occurrence = 2416) => ObservedSamples.Seed(uid) with
    {
        Occurrence = occurrence,
        Series = null,
        Labels = new Dictionary<string, string> { ["team"] = "platform", ["app.kubernetes.io/name"] = "svc" },
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
