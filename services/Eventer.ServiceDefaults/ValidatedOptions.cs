using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventer.ServiceDefaults;

/// <summary>Options bound from one configuration section and validated when the host starts.</summary>
public static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validates its data
    /// annotations (and <see cref="IValidatableObject"/>) at start, and reports each failure as
    /// <c>Section:Key: what is wrong</c>, so a bad setting names the key an operator must fix.
    /// Binding and validation use reflection: a service compiled ahead of time uses the other overload.
    /// </summary>
    [RequiresUnreferencedCode("Binds and validates by reflection over TOptions.")]
    [RequiresDynamicCode("Binds by reflection over TOptions.")]
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionValidator<TOptions>(section));
#pragma warning disable SYSLIB1104 // The binder's source generator cannot bind a type parameter: this overload binds by reflection, as it says.
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
#pragma warning restore SYSLIB1104
    }

    /// <summary>
    /// The same without reflection, for a service compiled ahead of time: <paramref name="bind"/> is
    /// written where <typeparamref name="TOptions"/> is known (<c>(config, o) => config.Bind(o)</c>), so
    /// the configuration binder's source generator replaces it, and <paramref name="generated"/> is an
    /// <see cref="OptionsValidatorAttribute"/> validator. Failures read as with the other overload.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        this IServiceCollection services, string section, IValidateOptions<TOptions> generated, Action<IConfiguration, TOptions> bind)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new GeneratedSectionValidator<TOptions>(section, generated));
        return services.AddOptions<TOptions>()
            .Configure<IConfiguration>((options, configuration) => bind(configuration.GetSection(section), options))
            .ValidateOnStart();
    }

    private sealed class SectionValidator<TOptions>(string section) : IValidateOptions<TOptions>
        where TOptions : class
    {
        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only the reflection overload, itself marked, registers this validator.")]
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(r => InSection(section, r.MemberNames, r.ErrorMessage)));
        }
    }

    /// <summary>
    /// The generator's validator reports <c>Member: message</c> (<see cref="ValidateOptionsResultBuilder"/>)
    /// and names a member in its message as <c>Type.Member</c>; both are reported as the reflection
    /// overload reports them (<c>Section:Member: The Member field …</c>).
    /// </summary>
    private sealed class GeneratedSectionValidator<TOptions>(string section, IValidateOptions<TOptions> generated) : IValidateOptions<TOptions>
        where TOptions : class
    {
        private readonly string _typePrefix = typeof(TOptions).Name + ".";

        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var result = generated.Validate(name, options);
            if (!result.Failed)
            {
                return result;
            }

            return ValidateOptionsResult.Fail(result.Failures.Select(failure =>
            {
                // Every result of eventer's options names its members, and no member name holds ": ".
                var separator = failure.IndexOf(": ", StringComparison.Ordinal);
                var members = separator < 0 ? [] : failure[..separator].Split(", ");
                var message = (separator < 0 ? failure : failure[(separator + 2)..]).Replace(_typePrefix, "", StringComparison.Ordinal);
                return InSection(section, members, message);
            }));
        }
    }

    private static string InSection(string section, IEnumerable<string> members, string? message)
    {
        var named = members.Any() ? members : [""];
        return string.Join(", ", named.Select(m => m.Length == 0 ? section : $"{section}:{m}")) + ": " + message;
    }
}
