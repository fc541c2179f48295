using System.Text.Json;
using Eventer.Collector.Publishing;
using Eventer.Contracts;

namespace Eventer.Collector.Tests.Publishing;

/// <summary>
/// The generated serializer writes and reads occurrences as <see cref="JsonSerializerOptions.Web"/>
/// does, which is what the consumers' MassTransit deserializes and what stored outbox rows hold.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OccurrenceJsonTests
{
    private static readonly KubeEventObserved Occurrence = new()
    {
        Cluster = "prod",
        EventUid = "3f1c",
        EventNamespace = "shop",
        EventName = "web-1.17f",
        EventResourceVersion = "4711",
        Occurrence = 3,
        Type = "Warning",
        Reason = "BackOff",
        Message = "Back-off restarting failed container \"web\" — 节点 \u00fc",
        Action = "Restarting",
        InvolvedObject = new KubeObjectReference { Kind = "Pod", Namespace = "shop", Name = "web-1", Uid = "9a", ApiVersion = "v1", FieldPath = "spec.containers{web}", ResourceVersion = "12" },
        Related = new KubeObjectReference { Kind = "Node", Name = "n1" },
        SourceComponent = "kubelet",
        SourceHost = "n1",
        ReportingController = "kubelet",
        ReportingInstance = "n1",
        FirstTimestamp = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero),
        LastTimestamp = new DateTimeOffset(2026, 11, 27, 9, 5, 0, TimeSpan.Zero),
        EventTime = new DateTimeOffset(2026, 11, 27, 9, 0, 0, 123, 456, TimeSpan.Zero),
        Count = 3,
        Series = new KubeEventSeries { Count = 2, LastObservedTime = new DateTimeOffset(2026, 11, 27, 9, 5, 0, TimeSpan.Zero) },
        Labels = new Dictionary<string, string> { ["App.Name"] = "web" },
        Annotations = new Dictionary<string, string> { ["note"] = "x" },
        SourceApi = KubeEventApis.EventsV1,
        ObservedAt = new DateTimeOffset(2026, 11, 27, 9, 5, 1, 250, TimeSpan.Zero),
    };

    [Fact]
    public void Writes_what_the_web_defaults_write()
    {
        var json = OccurrenceJson.Serialize(Occurrence);

        Assert.Equal(JsonSerializer.Serialize(Occurrence, JsonSerializerOptions.Web), json);
        Assert.Contains("\"eventUid\":\"3f1c\"", json, StringComparison.Ordinal);
        Assert.Contains("\"App.Name\":\"web\"", json, StringComparison.Ordinal); // label keys as they are
    }

    [Fact]
    public void Reads_what_the_web_defaults_write_and_names_in_any_case()
    {
        var written = JsonSerializer.Serialize(Occurrence, JsonSerializerOptions.Web);

        var read = OccurrenceJson.Deserialize(written);

        Assert.Equal(written, JsonSerializer.Serialize(read, JsonSerializerOptions.Web));
        Assert.Equal("3f1c", OccurrenceJson.Deserialize("{\"EventUid\":\"3f1c\",\"occurrence\":\"2\"}") is { EventUid: var uid, Occurrence: 2 } ? uid : null);
    }
}
