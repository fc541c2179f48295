using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Eventer.Archive;
using Eventer.Collector;
using Eventer.DingTalkNotifier;
using Eventer.EsIndexer;
using Eventer.ServiceDefaults;
using Eventer.WebhookNotifier;
using Microsoft.Extensions.Configuration;

namespace Eventer.Deploy.Tests;

/// <summary>
/// What configuration each eventer service reads, found the way the service finds it: its options
/// classes (every type with a <c>public const string Section</c> in its assemblies), bound with the
/// configuration binder over its own appsettings.json, then validated as
/// <c>AddValidatedOptions</c> does at start. A deployment (docker-compose.yml, a manifest) that sets
/// a key nothing binds, a value that does not convert, or settings a service would refuse at start
/// is reported with the key's name.
/// </summary>
public static class BoundKeys
{
    /// <summary>The services, by the name of their image (<c>eventer/&lt;name&gt;</c>).</summary>
    public static readonly IReadOnlyDictionary<string, EventerService> Services = new Dictionary<string, EventerService>
    {
        // Connection strings are read by name in code (GetConnectionString), not by an options class.
        ["collector"] = new("collector", typeof(CollectorHost).Assembly, ["rabbitmq", "postgres"]),
        ["archive"] = new("archive", typeof(ArchiveHost).Assembly, ["rabbitmq", "postgres"]),
        ["es-indexer"] = new("es-indexer", typeof(EsIndexerHost).Assembly, ["rabbitmq", "elasticsearch"]),
        ["dingtalk-notifier"] = new("dingtalk-notifier", typeof(NotifierHost).Assembly, ["rabbitmq", "postgres"]),
        ["webhook-notifier"] = new("webhook-notifier", typeof(WebhookHost).Assembly, ["rabbitmq", "postgres"]),
    };

    /// <summary>Keys every service reads besides its options: the host's, logging's and OpenTelemetry's own.</summary>
    private static readonly string[] HostKeys = ["Http:Port", "urls"];

    private static readonly string[] HostPrefixes = ["Logging:", "OTEL_", "ASPNETCORE_", "DOTNET_"];

    /// <summary>
    /// What is wrong with running <paramref name="service"/> with <paramref name="environment"/>
    /// (<c>Section__Key</c> names, as docker and Kubernetes pass them) over its appsettings.json:
    /// empty when every key is bound and the service would accept the settings.
    /// </summary>
    public static IReadOnlyList<string> Problems(string service, IReadOnlyDictionary<string, string?> environment)
    {
        var definition = Services[service];
        var problems = new List<string>();
        var settings = environment.ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => e.Value, StringComparer.OrdinalIgnoreCase);
        var sections = definition.OptionsSections();

        foreach (var key in settings.Keys)
        {
            if (HostKeys.Contains(key, StringComparer.OrdinalIgnoreCase) || HostPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (key.StartsWith("ConnectionStrings:", StringComparison.OrdinalIgnoreCase))
            {
                var name = key["ConnectionStrings:".Length..];
                if (!definition.ConnectionStrings.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"{service}: {Env(key)}: {definition.Name} reads no connection string '{name}' (it reads {string.Join(", ", definition.ConnectionStrings)})");
                }

                continue;
            }

            if (SectionOf(key, sections) is null)
            {
                problems.Add($"{service}: {Env(key)}: no options section of {definition.Name} binds it (sections: {string.Join(", ", sections.Keys)})");
            }
        }

        // The service's own defaults below the deployment's settings, as the host layers them.
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(definition.AppSettingsPath, optional: false)
            .AddInMemoryCollection(settings)
            .Build();

        foreach (var (section, type) in sections)
        {
            // Keys of a deeper section (Collector:Outbox) are that section's, not unknown to Collector.
            var own = configuration.GetSection(section).AsEnumerable(makePathsRelative: true)
                .Where(kv => kv.Value is not null && SectionOf($"{section}:{kv.Key}", sections) == section)
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            var sectionConfiguration = new ConfigurationBuilder().AddInMemoryCollection(own).Build();
            object options;
            try
            {
                options = sectionConfiguration.Get(type, o => o.ErrorOnUnknownConfiguration = true) ?? Activator.CreateInstance(type)!;
            }
            catch (InvalidOperationException ex)
            {
                problems.Add($"{service}: section {section}: {ex.Message}");
                continue;
            }

            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                problems.AddRange(results.Select(r => $"{service}: {section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
            }
        }

        return problems;
    }

    /// <summary>The deepest options section <paramref name="key"/> lies in, or null.</summary>
    private static string? SectionOf(string key, IReadOnlyDictionary<string, Type> sections) =>
        sections.Keys
            .Where(s => key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.Length)
            .FirstOrDefault();

    private static string Env(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>One service: its assembly, whose project folder holds its appsettings.json, and the connection strings it reads.</summary>
    public sealed record EventerService(string Name, Assembly Assembly, IReadOnlyList<string> ConnectionStrings)
    {
        public string AppSettingsPath => RepositoryRoot.Combine("services", Assembly.GetName().Name!, "appsettings.json");

        /// <summary>
        /// Every options type (a <c>public const string Section</c>) in the service's assembly and the
        /// eventer assemblies it references. <see cref="EventerBusOptions"/> is read by
        /// <c>AddEventerConsumer</c>, which only consumers call: a service is one when its assemblies
        /// hold a MassTransit consumer (the collector publishes on its own).
        /// </summary>
        public IReadOnlyDictionary<string, Type> OptionsSections()
        {
            var assemblies = EventerAssemblies(Assembly).ToList();
            var isConsumer = assemblies.SelectMany(LoadableTypes).Any(t => !t.IsAbstract && typeof(MassTransit.IConsumer).IsAssignableFrom(t));
            return assemblies
                .SelectMany(LoadableTypes)
                .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
                .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
                .Where(x => x.Type != typeof(EventerBusOptions) || isConsumer)
                .ToDictionary(x => (string)x.Field!.GetRawConstantValue()!, x => x.Type, StringComparer.OrdinalIgnoreCase);
        }

        private static IEnumerable<Assembly> EventerAssemblies(Assembly root)
        {
            var seen = new HashSet<string>();
            var pending = new Stack<Assembly>([root]);
            while (pending.TryPop(out var assembly))
            {
                if (!seen.Add(assembly.GetName().Name!))
                {
                    continue;
                }

                yield return assembly;
                foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name!.StartsWith("Eventer.", StringComparison.Ordinal)))
                {
                    pending.Push(Assembly.Load(reference));
                }
            }
        }

        private static IEnumerable<Type> LoadableTypes(Assembly assembly) => assembly.GetTypes();
    }
}
