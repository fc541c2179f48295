using System.Text.Json;
using Eventer.Collector.Publishing;
using Eventer.Contracts;
using Eventer.Testing;

namespace Eventer.Collector.Tests.Publishing;

/// <summary>
/// The generated serializer writes and reads occurrences as <see cref="JsonSerializerOptions.Web"/>
/// does, which is what the consumers' MassTransit deserializes and what stored outbox rows hold.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OccurrenceJsonTests
{
    // The sample with every field set, and a label key that a naming policy would change.
    private static readonly KubeEventObserved Occurrence = ObservedSamples.Seed("3f1c") with
    {
        Action = "Restarting",
        SourceHost = "n1",
        ReportingController = "kubelet",
        ReportingInstance = "n1",
        EventTime = new DateTimeOffset(2026, 11, 27, 9, 0, 0, 123, 456, TimeSpan.Zero),
        Labels = new Dictionary<string, string> { ["App.Name"] = "web" },
        SourceApi = KubeEventApis.EventsV1,
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
