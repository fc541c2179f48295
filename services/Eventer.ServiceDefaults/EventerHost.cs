using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventer.ServiceDefaults;

/// <summary>Runs a service so that a bad setting ends it at start with one clear line, not a stack trace.</summary>
public static class EventerHost
{
    /// <summary>Exit code of a service stopped by its configuration.</summary>
    public const int ConfigurationErrorExitCode = 2;

    /// <summary>
    /// Builds and runs the application. Configuration errors found while building or starting
    /// (a malformed connection string, an option that fails validation, a value that does not
    /// convert) are written to <paramref name="error"/> as one line naming the key, and the
    /// method returns <see cref="ConfigurationErrorExitCode"/>. Other failures propagate.
    /// </summary>
    public static async Task<int> RunAsync(string serviceName, Func<WebApplication> build, TextWriter? error = null)
    {
        error ??= Console.Error;
        try
        {
            await using var app = build();

            // Validate options before the host starts, so a bad setting is reported once, here,
            // and not first as the host's "failed to start" error with the whole stack.
            app.Services.GetService<IStartupValidator>()?.Validate();
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ConfigurationProblem(ex) is { } problem)
        {
            await error.WriteLineAsync($"{serviceName}: cannot start: {problem}");
            return ConfigurationErrorExitCode;
        }
    }

    /// <summary>
    /// This replica's name in a lease: the host name (the pod's) and a random suffix, so two holders
    /// in one process (tests) and a restarted container are not taken for the one they replace.
    /// </summary>
    public static string ReplicaIdentity()
    {
        var host = Environment.GetEnvironmentVariable("HOSTNAME") is { Length: > 0 } hostname ? hostname : Environment.MachineName;
        return $"{host}-{Guid.NewGuid().ToString("N")[..6]}";
    }

    /// <summary>The one-line description of a configuration error, or null when <paramref name="ex"/> is something else.</summary>
    public static string? ConfigurationProblem(Exception ex) => ex switch
    {
        EventerConfigurationException e => e.Message,
        OptionsValidationException e => string.Join("; ", e.Failures),
        // The configuration binder's own message names the key and the target type.
        InvalidOperationException e when e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => e.Message,
        AggregateException e when e.InnerExceptions.All(i => ConfigurationProblem(i) is not null) =>
            string.Join("; ", e.InnerExceptions.Select(i => ConfigurationProblem(i))),
        _ => null,
    };
}
