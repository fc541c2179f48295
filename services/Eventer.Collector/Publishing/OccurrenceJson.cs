using System.Text.Json;
using Eventer.Contracts;

namespace Eventer.Collector.Publishing;

/// <summary>
/// How an occurrence is written into the outbox and onto the wire: camelCase, as MassTransit writes
/// message bodies, so the stored payload goes into the envelope as it is.
/// </summary>
public static class OccurrenceJson
{
    public static readonly JsonSerializerOptions Options = JsonSerializerOptions.Web;

    public static string Serialize(KubeEventObserved occurrence) => JsonSerializer.Serialize(occurrence, Options);

    public static KubeEventObserved Deserialize(string json) => JsonSerializer.Deserialize<KubeEventObserved>(json, Options)!;
}
