using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Eventer.Deploy.Tests.Compose;

/// <summary>The dashboards are valid, portable (datasources by variable), query metrics the services export, and ship to compose and Kubernetes alike.</summary>
[Trait("Category", "Unit")]
public sealed partial class DashboardTests
{
    [Fact]
    public void Every_dashboard_has_its_own_uid_and_picks_its_datasources_by_variable()
    {
        var dashboards = Dashboards.All();
        Assert.Equal(["eventer-events.json", "eventer-pipeline.json"], dashboards.Keys);
        Assert.Equal(dashboards.Count, dashboards.Values.Select(d => (string?)d["uid"]).Distinct().Count());

        foreach (var (file, dashboard) in dashboards)
        {
            Assert.False(string.IsNullOrEmpty((string?)dashboard["title"]), file);
            var datasourceVariables = Dashboards.Variables(dashboard).Where(v => (string?)v["type"] == "datasource")
                .ToDictionary(v => "${" + (string)v["name"]! + "}", v => (string)v["query"]!);
            // Panels, their queries and query variables: a fixed uid would tie the dashboard to one
            // Grafana; a variable finds the datasource by its type in any.
            var users = Dashboards.Panels(dashboard).Where(p => (string?)p["type"] != "row")
                .SelectMany(p => p["targets"]!.AsArray().Select(t => ($"panel '{p["title"]}'", t!["datasource"])).Prepend(($"panel '{p["title"]}'", p["datasource"])))
                .Concat(Dashboards.Variables(dashboard).Where(v => (string?)v["type"] == "query").Select(v => ($"variable '{v["name"]}'", v["datasource"])))
                .ToList();
            Assert.NotEmpty(users);
            foreach (var (user, datasource) in users)
            {
                var uid = (string?)datasource?["uid"];
                Assert.True(uid is not null && datasourceVariables.TryGetValue(uid, out var type) && type == (string?)datasource!["type"],
                    $"{file}: {user} must name its datasource by a datasource variable of its type, not '{uid}'");
            }
        }
    }

    [Fact]
    public async Task Every_metric_the_dashboards_query_is_one_the_services_export()
    {
        var exported = await ExportedMetrics.ScrapeAsync();
        var queried = Dashboards.All().Values.SelectMany(Dashboards.PromQl).SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).ToHashSet();

        // Both sides are non-trivial: the scrape has the collector's counters, the dashboards query them.
        Assert.Contains("eventer_collector_occurrences_observed_total", exported);
        Assert.Contains("eventer_dingtalk_messages_sent_total", queried);
        Assert.Empty(queried.Where(name => !exported.Contains(name)).Order());
    }

    [Fact]
    public void Kubernetes_gets_every_dashboard_as_one_configmap_the_grafana_sidecar_loads()
    {
        var kustomization = LoadYaml(RepositoryRoot.Combine("deploy", "grafana", "kustomization.yaml"));
        var options = (YamlMappingNode)kustomization["generatorOptions"];
        Assert.Equal("true", ((YamlScalarNode)options["disableNameSuffixHash"]).Value);
        Assert.Equal("1", ((YamlScalarNode)((YamlMappingNode)options["labels"])["grafana_dashboard"]).Value);

        var generator = (YamlMappingNode)Assert.Single(((YamlSequenceNode)kustomization["configMapGenerator"]).Children);
        Assert.Equal("eventer-grafana-dashboards", ((YamlScalarNode)generator["name"]).Value);
        Assert.Equal(
            Dashboards.All().Keys.Select(f => $"dashboards/{f}"),
            ((YamlSequenceNode)generator["files"]).Children.Select(f => ((YamlScalarNode)f).Value!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Compose_provisions_the_dashboards_and_datasources_of_the_types_they_ask_for()
    {
        var grafana = ComposeFile.Load().Services["grafana"];
        var provider = LoadYaml(RepositoryRoot.Combine("deploy", "grafana", "provisioning", "dashboards", "eventer.yaml"));
        var path = ((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)provider["providers"]).Children[0])["options"])["path"]).Value;
        Assert.Contains($"./deploy/grafana/dashboards:{path}:ro", grafana.Volumes);
        Assert.Contains("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro", grafana.Volumes);

        var datasources = ((YamlSequenceNode)LoadYaml(RepositoryRoot.Combine("deploy", "grafana", "provisioning", "datasources", "eventer.yaml"))["datasources"])
            .Children.Cast<YamlMappingNode>().ToList();
        var types = datasources.Select(d => ((YamlScalarNode)d["type"]).Value).ToHashSet();
        foreach (var variable in Dashboards.All().Values.SelectMany(Dashboards.Variables).Where(v => (string?)v["type"] == "datasource"))
        {
            Assert.Contains((string)variable["query"]!, types);
        }

        // The archive datasource logs in as the read-only role the postgres image creates, in the services' database.
        var archive = datasources.Single(d => ((YamlScalarNode)d["type"]).Value == "grafana-postgresql-datasource");
        var user = ((YamlScalarNode)archive["user"]).Value;
        var password = ((YamlScalarNode)((YamlMappingNode)archive["secureJsonData"])["password"]).Value;
        Assert.Contains($"CREATE ROLE {user} LOGIN PASSWORD '{password}'", File.ReadAllText(RepositoryRoot.Combine("deploy", "compose", "postgres", "grafana-reader.sql")));
        Assert.Equal(ComposeFile.Load().Services["postgres"].Environment["POSTGRES_DB"], ((YamlScalarNode)((YamlMappingNode)archive["jsonData"])["database"]).Value);
    }

    internal static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex(@"\beventer_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
