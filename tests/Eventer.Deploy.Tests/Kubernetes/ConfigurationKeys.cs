using System.ComponentModel;
using System.Globalization;
using System.Reflection;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>
/// Which environment variables a service binds, found the way the service binds them: options
/// classes that declare <c>public const string Section</c> (bound with <c>BindConfiguration</c>),
/// the connection strings whose <c>public const string Key</c> the service reads, and the
/// framework's own variables. Looked for in the service's assembly and the eventer assemblies it
/// references (ServiceDefaults' <c>Bus</c>, the notifiers' delivery core).
/// </summary>
public sealed class ConfigurationKeys
{
    // Read by the runtime, ASP.NET Core, OpenTelemetry, logging and the Kubernetes client, not by an options class.
    private static readonly string[] FrameworkPrefixes = ["DOTNET_", "ASPNETCORE_", "OTEL_", "Logging__"];

    // Http:Port is read directly by AddServiceDefaults (ServiceDefaultsExtensions.DefaultPort).
    private static readonly string[] FrameworkVariables = ["KUBECONFIG", "Http__Port"];

    private readonly List<(string[] Section, Type Options)> _sections;
    private readonly List<string> _connectionStrings;

    public ConfigurationKeys(Assembly service)
    {
        var assemblies = EventerAssemblies(service).ToList();
        var constants = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
                .Select(f => (Type: t, f.Name, Value: (string)f.GetRawConstantValue()!)))
            .ToList();
        _sections = constants.Where(c => c.Name == "Section").Select(c => (c.Value.Split(':'), c.Type)).ToList();
        _connectionStrings = constants.Where(c => c.Name == "Key" && c.Value.StartsWith("ConnectionStrings:", StringComparison.Ordinal))
            .Select(c => c.Value).Distinct().ToList();
    }

    /// <summary>The options classes found, for messages and for tests of this class.</summary>
    public IEnumerable<Type> OptionsTypes => _sections.Select(s => s.Options);

    /// <summary>Null when the service binds <paramref name="variable"/>, else why not.</summary>
    public string? Problem(string variable)
    {
        if (FrameworkVariables.Contains(variable) || FrameworkPrefixes.Any(p => variable.StartsWith(p, StringComparison.Ordinal)))
        {
            return null;
        }

        // The environment provider turns "__" into ":"; configuration keys ignore case.
        var segments = variable.Split("__");
        var key = string.Join(':', segments);
        if (segments.Any(s => s.Length == 0))
        {
            return $"{key} has an empty part";
        }

        if (segments[0].Equals("ConnectionStrings", StringComparison.OrdinalIgnoreCase))
        {
            return _connectionStrings.Contains(key, StringComparer.OrdinalIgnoreCase)
                ? null
                : $"{key} is no connection string this service reads ({string.Join(", ", _connectionStrings)})";
        }

        var candidates = _sections
            .Where(s => s.Section.Length <= segments.Length && s.Section.Select((part, i) => part.Equals(segments[i], StringComparison.OrdinalIgnoreCase)).All(x => x))
            .OrderByDescending(s => s.Section.Length)
            .ToList();
        if (candidates.Count == 0)
        {
            return $"{key} is in no section this service binds ({string.Join(", ", _sections.Select(s => string.Join(':', s.Section)).Order())})";
        }

        var problems = candidates.Select(c => Resolve(c.Options, segments[c.Section.Length..], string.Join(':', c.Section))).ToList();
        return problems.Any(p => p is null) ? null : problems[0];
    }

    /// <summary>Walks the rest of a key through the options' properties, as the configuration binder does.</summary>
    private static string? Resolve(Type type, string[] rest, string path)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (rest.Length == 0)
        {
            return IsValue(type) ? null : $"{path} is a section ({type.Name}), not a value";
        }

        if (IsValue(type))
        {
            return $"{path} is a value ({type.Name}); it has no key {rest[0]}";
        }

        if (GenericArgument(type, typeof(IDictionary<,>), 1) is { } valueType)
        {
            return Resolve(valueType, rest[1..], $"{path}:{rest[0]}");
        }

        if ((type.IsArray ? type.GetElementType() : GenericArgument(type, typeof(IEnumerable<>), 0)) is { } elementType)
        {
            return int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                ? Resolve(elementType, rest[1..], $"{path}:{rest[0]}")
                : $"{path} is a list; {rest[0]} is not an index";
        }

        var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => p.Name.Equals(rest[0], StringComparison.OrdinalIgnoreCase) && p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0);
        return property is null
            ? $"{path} ({type.Name}) has no settable property {rest[0]}"
            : Resolve(property.PropertyType, rest[1..], $"{path}:{property.Name}");
    }

    /// <summary>The binder's test for a value: a type its TypeConverter makes from a string.</summary>
    private static bool IsValue(Type type) => type != typeof(object) && TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

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
