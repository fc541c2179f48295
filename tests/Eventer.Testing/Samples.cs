using System.Text.Json.Nodes;

namespace Eventer.Testing;

/// <summary>The real sample Events of <c>shared/samples</c>, copied next to the tests.</summary>
public static class Samples
{
    /// <summary>A <c>kubectl get event -o json</c> list: one core/v1 Warning with count 2416.</summary>
    public const string CoreV1Seed = "core-v1-eventlist-seed.json";

    /// <summary>An events.k8s.io/v1 Event with a series of 7.</summary>
    public const string EventsV1Series = "events-k8s-io-v1-series.json";

    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    public static JsonObject Json(string name) => JsonNode.Parse(Text(name))!.AsObject();

    /// <summary>The seed's single Event object.</summary>
    public static JsonObject SeedEvent() => Json(CoreV1Seed)["items"]![0]!.DeepClone().AsObject();
}
