using Eventer.Collector.Mapping;
using Eventer.Contracts;
using Eventer.Testing;
using k8s;
using k8s.Models;

namespace Eventer.Collector.Tests.Mapping;

[Trait("Category", "Unit")]
public sealed class KubeEventMapperTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private readonly KubeEventMapper _mapper = new("prod-hz", new FixedClock(Now));

    [Fact]
    public void Seed_core_v1_event_maps_every_field()
    {
        var list = KubernetesJson.Deserialize<Corev1EventList>(Samples.Text(Samples.CoreV1Seed));

        var m = _mapper.FromCoreV1(list.Items.Single());

        Assert.Equal("prod-hz", m.Cluster);
        Assert.Equal("b3a56707-4f24-11ea-81ec-00163e0a865a", m.EventUid);
        Assert.Equal("default", m.EventNamespace);
        Assert.Equal("my-sb-svc.15f344468d77364d", m.EventName);
        Assert.Equal("267629591", m.EventResourceVersion);
        Assert.Equal(2416, m.Occurrence);
        Assert.Equal(2416, m.Count);
        Assert.Null(m.Series);
        Assert.Equal("Warning", m.Type);
        Assert.Equal("PortAlreadyAllocated", m.Reason);
        Assert.Equal("Port 666 was assigned to multiple services; please recreate service", m.Message);
        Assert.Equal(new KubeObjectReference
        {
            Kind = "Service",
            Namespace = "default",
            Name = "my-sb-svc",
            Uid = "96117aad-4f24-11ea-a87c-00163e04f1e0",
            ApiVersion = "v1",
            FieldPath = "",
            ResourceVersion = "264028180",
        }, m.InvolvedObject);
        Assert.Null(m.Related);
        Assert.Equal("portallocator-repair-controller", m.SourceComponent);
        Assert.Equal("", m.SourceHost);
        Assert.Equal("", m.ReportingController);
        Assert.Equal(new DateTimeOffset(2020, 2, 14, 12, 22, 43, TimeSpan.Zero), m.FirstTimestamp);
        Assert.Equal(new DateTimeOffset(2020, 2, 19, 13, 8, 25, TimeSpan.Zero), m.LastTimestamp);
        Assert.Equal(TimeSpan.Zero, m.LastTimestamp!.Value.Offset);
        Assert.Null(m.EventTime);
        Assert.Empty(m.Labels);
        Assert.Equal(KubeEventApis.CoreV1, m.SourceApi);
        Assert.Equal(Now, m.ObservedAt);
        Assert.Equal("prod-hz/b3a56707-4f24-11ea-81ec-00163e0a865a/2416", OccurrenceKey.For(m));
    }

    [Fact]
    public void Events_v1_series_maps_note_regarding_and_series()
    {
        var e = KubernetesJson.Deserialize<Eventsv1Event>(Samples.Text(Samples.EventsV1Series));

        var m = _mapper.FromEventsV1(e);

        Assert.Equal("0c6f5a8e-2d1b-4c3a-9e7f-5b4d3c2a1f00", m.EventUid);
        Assert.Equal("shop", m.EventNamespace);
        Assert.Equal(7, m.Occurrence); // series.count, not deprecatedCount 0
        Assert.Equal(7, m.Series!.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 6, 30, TimeSpan.Zero).AddTicks(6543210), m.Series.LastObservedTime);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero).AddTicks(1234560), m.EventTime);
        Assert.Equal("Back-off pulling image \"registry.example.com/shop/web:1.4.2\"", m.Message);
        Assert.Equal("Pulling", m.Action);
        Assert.Equal("BackOff", m.Reason);
        Assert.Equal("kubelet", m.ReportingController);
        Assert.Equal("node-a-3", m.ReportingInstance);
        Assert.Equal("Pod", m.InvolvedObject.Kind);
        Assert.Equal("web-7d4b9c6f5d-x2k8q", m.InvolvedObject.Name);
        Assert.Equal("spec.containers{web}", m.InvolvedObject.FieldPath);
        Assert.Equal(KubeEventApis.EventsV1, m.SourceApi);
    }

    [Fact]
    public void Labels_and_annotations_are_carried()
    {
        var e = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Uid = "u1",
                Labels = new Dictionary<string, string> { ["team"] = "shop" },
                Annotations = new Dictionary<string, string> { ["note"] = "x" },
            },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "p" },
        };

        var m = _mapper.FromCoreV1(e);

        Assert.Equal("shop", m.Labels["team"]);
        Assert.Equal("x", m.Annotations["note"]);
        Assert.Equal(1, m.Occurrence);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
