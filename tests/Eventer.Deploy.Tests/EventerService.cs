using System.Reflection;
using Eventer.Archive;
using Eventer.Collector;
using Eventer.DingTalkNotifier;
using Eventer.EsIndexer;
using Eventer.ServiceDefaults;
using Eventer.WebhookNotifier;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventer.Deploy.Tests;

/// <summary>
/// An eventer service as docker-compose.yml and the manifests run it: image <c>eventer/&lt;name&gt;</c>,
/// its assembly, its real host builder and the connection strings it reads.
/// </summary>
public sealed record EventerService(string Name, Assembly Assembly, Func<string[], Action<WebApplicationBuilder>?, WebApplication> Build, IReadOnlyList<string> ConnectionStrings)
{
    // Connection strings are read by name in code (GetConnectionString), not through an options class,
    // and ServiceDefaults declares keys not every service reads (es-indexer has no database): listed here.
    public static readonly IReadOnlyList<EventerService> All =
    [
        new(CollectorHost.ServiceName, typeof(CollectorHost).Assembly, CollectorHost.Build, [RabbitMqConnection.Key, PostgresConnection.Key]),
        new(ArchiveHost.ServiceName, typeof(ArchiveHost).Assembly, ArchiveHost.Build, [RabbitMqConnection.Key, PostgresConnection.Key]),
        new(EsIndexerHost.ServiceName, typeof(EsIndexerHost).Assembly, EsIndexerHost.Build, [RabbitMqConnection.Key, Eventer.EsIndexer.Indexing.ElasticsearchConnection.Key]),
        new(NotifierHost.ServiceName, typeof(NotifierHost).Assembly, NotifierHost.Build, [RabbitMqConnection.Key, PostgresConnection.Key]),
        new(WebhookHost.ServiceName, typeof(WebhookHost).Assembly, WebhookHost.Build, [RabbitMqConnection.Key, PostgresConnection.Key]),
    ];

    public string Image => "eventer/" + Name;

    /// <summary>The service's project folder, whose appsettings.json the image carries.</summary>
    public string ProjectDirectory => RepositoryRoot.Combine("services", Assembly.GetName().Name!);

    public string AppSettingsPath => Path.Combine(ProjectDirectory, "appsettings.json");

    /// <summary>The service an image (with or without tag) runs, or null for someone else's image.</summary>
    public static EventerService? ForImage(string? image) =>
        All.SingleOrDefault(s => image == s.Image || image?.StartsWith(s.Image + ":", StringComparison.Ordinal) == true || image?.StartsWith(s.Image + "@", StringComparison.Ordinal) == true);

    public static EventerService Named(string name) => All.Single(s => s.Name == name);

    /// <summary>The environment as the environment-variables provider keys it ("__" becomes ":").</summary>
    public static Dictionary<string, string?> ConfigurationKeys(IEnumerable<KeyValuePair<string, string?>> environment) =>
        environment.ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => e.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>What the container sees: its appsettings.json, then its environment, as the host layers them.</summary>
    public IConfiguration Configuration(IEnumerable<KeyValuePair<string, string?>> environment) =>
        new ConfigurationBuilder()
            .AddJsonFile(AppSettingsPath, optional: false)
            .AddInMemoryCollection(ConfigurationKeys(environment))
            .Build();

    /// <summary>
    /// The one line the service would print when it stops at start with <paramref name="environment"/>,
    /// or null when it would run: it is built by its own host builder over its appsettings.json and
    /// validated as <see cref="EventerHost.RunAsync"/> does before it runs; nothing is started or connected to.
    /// </summary>
    public async Task<string?> StartupProblemAsync(IEnumerable<KeyValuePair<string, string?>> environment)
    {
        try
        {
            await using var app = Build(
                ["--contentRoot", ProjectDirectory, "--environment", "Production"],
                builder => builder.Configuration.AddInMemoryCollection(ConfigurationKeys(environment)));
            app.Services.GetService<IStartupValidator>()?.Validate();
            return null;
        }
        catch (Exception ex) when (EventerHost.ConfigurationProblem(ex) is { } problem)
        {
            return problem;
        }
    }

    public override string ToString() => Name;
}
