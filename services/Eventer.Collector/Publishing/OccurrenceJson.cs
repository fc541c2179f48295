using System.Text.Json;
using System.Text.Json.Serialization;
using Eventer.Contracts;

namespace Eventer.Collector.Publishing;

/// <summary>
/// How an occurrence is written into the outbox and onto the wire: camelCase, as MassTransit writes
/// message bodies, so the stored payload goes into the envelope as it is. Source-generated, so it
/// needs no reflection at run time (the collector can be compiled ahead of time).
/// </summary>
public static class OccurrenceJson
{
    public static string Serialize(KubeEventObserved occurrence) => JsonSerializer.Serialize(occurrence, OccurrenceJsonContext.Default.KubeEventObserved);

    public static KubeEventObserved Deserialize(string json) => JsonSerializer.Deserialize(json, OccurrenceJsonContext.Default.KubeEventObserved)!;
}

/// <summary><see cref="JsonSerializerOptions.Web"/>'s settings (camelCase, names read case-insensitively, numbers from strings), generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(KubeEventObserved))]
internal sealed partial class OccurrenceJsonContext : JsonSerializerContext;
