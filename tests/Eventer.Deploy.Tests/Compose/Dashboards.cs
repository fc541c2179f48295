using System.Text.Json.Nodes;

namespace Eventer.Deploy.Tests.Compose;

/// <summary>The Grafana dashboards of deploy/grafana/dashboards and the queries in their panels.</summary>
public static class Dashboards
{
    public static string Folder => RepositoryRoot.Combine("deploy", "grafana", "dashboards");

    public static IReadOnlyDictionary<string, JsonObject> All() =>
        Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), f => JsonNode.Parse(File.ReadAllText(f))!.AsObject());

    /// <summary>Every panel, rows' nested panels included.</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard) =>
        dashboard["panels"]!.AsArray().Select(p => p!.AsObject())
            .SelectMany(p => p["panels"] is JsonArray nested ? nested.Select(n => n!.AsObject()).Prepend(p) : [p]);

    public static IEnumerable<JsonObject> Targets(JsonObject dashboard) =>
        Panels(dashboard).SelectMany(p => p["targets"] is JsonArray targets ? targets.Select(t => t!.AsObject()) : []);

    /// <summary>The PromQL of every target that has one.</summary>
    public static IEnumerable<string> PromQl(JsonObject dashboard) =>
        Targets(dashboard).Select(t => (string?)t["expr"]).OfType<string>();

    /// <summary>The SQL of every target and query variable that has one.</summary>
    public static IEnumerable<string> Sql(JsonObject dashboard) =>
        Targets(dashboard).Select(t => (string?)t["rawSql"]).OfType<string>()
            .Concat(Variables(dashboard).Where(v => (string?)v["type"] == "query" && (string?)v["datasource"]?["type"] == "grafana-postgresql-datasource")
                .Select(v => (string)v["query"]!));

    public static IEnumerable<JsonObject> Variables(JsonObject dashboard) =>
        dashboard["templating"]?["list"] is JsonArray list ? list.Select(v => v!.AsObject()) : [];
}
