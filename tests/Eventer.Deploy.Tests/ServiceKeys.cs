using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Eventer.Deploy.Tests;

/// <summary>
/// Which configuration keys an eventer service binds, found the way the service binds them: options
/// classes that declare <c>public const string Section</c> (bound by <c>AddValidatedOptions</c>) in
/// its assembly and the eventer assemblies it references, the connection strings it reads, and the
/// framework's own keys. .NET configuration silently ignores a misspelled or misplaced key, so
/// docker-compose.yml and the Kubernetes manifests are checked against this, and then against the
/// service's own start-up validation.
/// </summary>
public sealed class ServiceKeys
{
    // Read from the process environment by the Kubernetes client, so spelled exactly.
    private const string KubeConfig = "KUBECONFIG";

    // Read by the runtime and ASP.NET Core (environment prefixes) and by OpenTelemetry, whose configuration ignores case.
    private static readonly string[] FrameworkPrefixes = ["DOTNET_", "ASPNETCORE_", "OTEL_", "Logging:"];

    // Http:Port is read directly by AddServiceDefaults (ServiceDefaultsExtensions.DefaultPort); urls by Kestrel.
    private static readonly string[] FrameworkKeys = ["Http:Port", "urls"];

    private readonly EventerService _service;
    private readonly List<(string[] Section, Type Options)> _sections;

    public ServiceKeys(EventerService service)
    {
        _service = service;
        var types = EventerAssemblies(service.Assembly).SelectMany(a => a.GetTypes()).ToList();

        // EventerBusOptions is registered by AddEventerBus, which only consumers call (the collector publishes on its own).
        var isConsumer = types.Any(t => !t.IsAbstract && typeof(MassTransit.IConsumer).IsAssignableFrom(t));
        _sections = types
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Where(x => x.Type != typeof(EventerBusOptions) || isConsumer)
            .Select(x => (((string)x.Field!.GetRawConstantValue()!).Split(':'), x.Type))
            .ToList();
    }

    /// <summary>The options classes found, for messages and for tests of this class.</summary>
    public IEnumerable<Type> OptionsTypes => _sections.Select(s => s.Options);

    /// <summary>
    /// Everything wrong with running <paramref name="service"/> with <paramref name="environment"/>
    /// (<c>Section__Key</c> names, as docker and Kubernetes pass them) over its appsettings.json, one
    /// line each naming the service and the key: keys it does not bind, values that do not convert
    /// (in the environment and in appsettings.json), and what its start-up validation refuses.
    /// Empty when the service would start with these settings.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(EventerService service, IReadOnlyDictionary<string, string?> environment)
    {
        var keys = new ServiceKeys(service);
        var appSettings = new ConfigurationBuilder().AddJsonFile(service.AppSettingsPath, optional: false).Build()
            .AsEnumerable().Where(kv => kv.Value is not null);
        var problems = environment.Select(e => (Where: e.Key, Problem: keys.Problem(e.Key, e.Value)))
            .Concat(appSettings.Select(kv => (Where: $"appsettings.json {kv.Key}", Problem: keys.Problem(kv.Key, kv.Value))))
            .Where(p => p.Problem is not null)
            .Select(p => $"{service}: {p.Where}: {p.Problem}")
            .ToList();

        if (await service.StartupProblemAsync(environment) is { } startup)
        {
            problems.Add($"{service}: cannot start: {startup}");
        }

        return problems;
    }

    /// <summary>
    /// Null when the service binds <paramref name="key"/> (a variable name, <c>A__B</c>, or a
    /// configuration key, <c>A:B</c>) and <paramref name="value"/>, if given, converts to its type; else why not.
    /// </summary>
    public string? Problem(string key, string? value = null)
    {
        if (key == KubeConfig)
        {
            return null;
        }

        // The environment provider turns "__" into ":"; configuration keys ignore case.
        key = key.Replace("__", ":", StringComparison.Ordinal);
        if (FrameworkKeys.Contains(key, StringComparer.OrdinalIgnoreCase) || FrameworkPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var segments = key.Split(':');
        if (segments.Any(s => s.Length == 0))
        {
            return $"{key} has an empty part";
        }

        if (segments[0].Equals("ConnectionStrings", StringComparison.OrdinalIgnoreCase))
        {
            return _service.ConnectionStrings.Contains(key, StringComparer.OrdinalIgnoreCase)
                ? null
                : $"{key} is no connection string this service reads ({string.Join(", ", _service.ConnectionStrings)})";
        }

        var candidates = _sections
            .Where(s => s.Section.Length <= segments.Length && s.Section.Select((part, i) => part.Equals(segments[i], StringComparison.OrdinalIgnoreCase)).All(x => x))
            .OrderByDescending(s => s.Section.Length)
            .ToList();
        if (candidates.Count == 0)
        {
            return $"{key} is in no section this service binds ({string.Join(", ", _sections.Select(s => string.Join(':', s.Section)).Order())})";
        }

        // Collector:Outbox:X may be OutboxOptions' or CollectorOptions'; the binder fills both, so one is enough.
        var problems = candidates.Select(c => Resolve(c.Options, segments[c.Section.Length..], string.Join(':', c.Section), value)).ToList();
        return problems.Any(p => p is null) ? null : problems[0];
    }

    /// <summary>Walks the rest of a key through the options' properties, as the configuration binder does.</summary>
    private static string? Resolve(Type type, string[] rest, string path, string? value)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (rest.Length == 0)
        {
            // An empty value on a section is what an empty JSON array or object becomes; the binder leaves it empty.
            return !IsValue(type) ? (value == "" ? null : $"{path} is a section ({type.Name}), not a value")
                : Converts(type, value) ? null
                : $"{path}: '{value}' does not convert to {type.Name}";
        }

        if (IsValue(type))
        {
            return $"{path} is a value ({type.Name}); it has no key {rest[0]}";
        }

        if ((GenericArgument(type, typeof(IDictionary<,>), 1) ?? GenericArgument(type, typeof(IReadOnlyDictionary<,>), 1)) is { } valueType)
        {
            return Resolve(valueType, rest[1..], $"{path}:{rest[0]}", value);
        }

        if ((type.IsArray ? type.GetElementType() : GenericArgument(type, typeof(IEnumerable<>), 0)) is { } elementType)
        {
            return int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                ? Resolve(elementType, rest[1..], $"{path}:{rest[0]}", value)
                : $"{path} is a list; {rest[0]} is not an index";
        }

        var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => p.Name.Equals(rest[0], StringComparison.OrdinalIgnoreCase) && p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0);
        return property is null
            ? $"{path} ({type.Name}) has no settable property {rest[0]}"
            : Resolve(property.PropertyType, rest[1..], $"{path}:{property.Name}", value);
    }

    /// <summary>The binder's test for a value: a type its TypeConverter makes from a string.</summary>
    private static bool IsValue(Type type) => type != typeof(object) && TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    /// <summary>Whether the binder would make a <paramref name="type"/> of <paramref name="value"/>; an empty value leaves the default.</summary>
    private static bool Converts(Type type, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException || ex.InnerException is FormatException)
        {
            return false;
        }
    }

    private static Type? GenericArgument(Type type, Type generic, int index) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic))
            ?.GetGenericArguments()[index];

    private static IEnumerable<Assembly> EventerAssemblies(Assembly service)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<Assembly>([service]);
        while (pending.TryPop(out var assembly))
        {
            if (seen.Add(assembly.GetName().Name!))
            {
                yield return assembly;
                foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name?.StartsWith("Eventer.", StringComparison.Ordinal) == true))
                {
                    pending.Push(Assembly.Load(reference));
                }
            }
        }
    }
}
