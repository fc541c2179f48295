using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>The configuration a service's container sees in a build: its appsettings.json, then its environment.</summary>
public static class ServiceConfiguration
{
    public static IConfiguration For(ManifestSet set, EventerService service) => service.Configuration(set.EventerEnvironment(service));

    public static T Bind<T>(this IConfiguration configuration, string section)
        where T : new() =>
        configuration.GetSection(section).Get<T>() ?? new T();

    /// <summary>The rules of a role as one comparable line each.</summary>
    public static IEnumerable<string> Describe(string role, IEnumerable<V1PolicyRule> rules) =>
        rules.Select(r => $"{role}: groups [{Join(r.ApiGroups)}] resources [{Join(r.Resources)}] names [{Join(r.ResourceNames)}] verbs [{Join(r.Verbs)}]"
            + (r.NonResourceURLs is { Count: > 0 } urls ? $" urls [{Join(urls)}]" : ""));

    private static string Join(IEnumerable<string>? values) => string.Join(",", (values ?? []).Select(v => v.Length == 0 ? "\"\"" : v));
}
