using Eventer.EsIndexer.Indexing;
using Eventer.ServiceDefaults;
using k8s.Models;
using Npgsql;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>The Secret in git is a template that can never carry a real credential; the dev overlay's points at its own servers.</summary>
[Trait("Category", "Unit")]
public sealed class SecretTests
{
    private const string Secret = "eventer-secrets";

    [Fact]
    public void The_template_holds_placeholders_only_in_the_shape_each_service_parses()
    {
        var values = ManifestSet.Of("base").SecretValues(Secret, "eventer");

        var rabbitmq = RabbitMqConnection.Parse(values["ConnectionStrings__rabbitmq"]);
        Assert.Equal(("USER", "PASSWORD"), (rabbitmq.Username, rabbitmq.Password));
        Assert.EndsWith(".example", rabbitmq.Host);
        var postgres = new NpgsqlConnectionStringBuilder(values["ConnectionStrings__postgres"]);
        Assert.Equal(("USER", "PASSWORD"), (postgres.Username, postgres.Password));
        Assert.EndsWith(".example", postgres.Host);
        var elasticsearch = ElasticsearchConnection.Parse(values["ConnectionStrings__elasticsearch"]);
        Assert.Equal(("USER", "PASSWORD"), (elasticsearch.Username, elasticsearch.Password));
        Assert.All(elasticsearch.Nodes, n => Assert.EndsWith(".example", n.Host));
        Assert.All(values.Where(v => !v.Key.StartsWith("ConnectionStrings__", StringComparison.Ordinal)), v => Assert.Equal("", v.Value));
    }

    [Fact]
    public void The_dev_overlay_points_every_service_at_its_own_servers_with_their_passwords()
    {
        var set = ManifestSet.Of("overlays/dev");
        var values = set.SecretValues(Secret, "eventer");
        var server = set.SecretValues("eventer-dev-servers", "eventer");

        var rabbitmq = RabbitMqConnection.Parse(values["ConnectionStrings__rabbitmq"]);
        var rabbitmqEnvironment = ServerEnvironment(set, "rabbitmq");
        Assert.Equal((rabbitmqEnvironment["RABBITMQ_DEFAULT_USER"], rabbitmqEnvironment["RABBITMQ_DEFAULT_PASS"]), (rabbitmq.Username, rabbitmq.Password));
        AssertServed(set, "rabbitmq", rabbitmq.Host, rabbitmq.Port);

        var postgres = new NpgsqlConnectionStringBuilder(values["ConnectionStrings__postgres"]);
        var postgresEnvironment = ServerEnvironment(set, "postgres");
        Assert.Equal((postgresEnvironment["POSTGRES_USER"], postgresEnvironment["POSTGRES_PASSWORD"], postgresEnvironment["POSTGRES_DB"]), (postgres.Username, postgres.Password, postgres.Database));
        AssertServed(set, "postgres", postgres.Host!, postgres.Port);

        var elasticsearch = ElasticsearchConnection.Parse(values["ConnectionStrings__elasticsearch"]);
        var elasticsearchEnvironment = ServerEnvironment(set, "elasticsearch");
        Assert.Equal(("elastic", elasticsearchEnvironment["ELASTIC_PASSWORD"]), (elasticsearch.Username, elasticsearch.Password));
        AssertServed(set, "elasticsearch", Assert.Single(elasticsearch.Nodes).Host, Assert.Single(elasticsearch.Nodes).Port);
        Assert.Equal("true", elasticsearchEnvironment["xpack.security.enabled"]);

        Assert.All(server.Values, password => Assert.StartsWith("dev-only-", password));
    }

    private static IReadOnlyDictionary<string, string> ServerEnvironment(ManifestSet set, string name)
    {
        var server = set.Single<V1StatefulSet>(name);
        return set.Environment(server.Metadata, Assert.Single(server.Spec.Template.Spec.Containers));
    }

    /// <summary>A Service of that name exists, serves that port, and selects that server's pods.</summary>
    private static void AssertServed(ManifestSet set, string name, string host, int port)
    {
        Assert.Equal(name, host);
        var service = set.Single<V1Service>(name);
        var server = set.Single<V1StatefulSet>(name);
        Assert.Contains(service.Spec.Ports, p => p.Port == port);
        Assert.All(service.Spec.Selector, s => Assert.Equal(s.Value, server.Spec.Template.Metadata.Labels[s.Key]));
    }
}
