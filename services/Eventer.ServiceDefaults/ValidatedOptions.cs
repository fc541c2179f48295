using System.ComponentModel.DataAnnotations;
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
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionValidator<TOptions>(section));
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    private sealed class SectionValidator<TOptions>(string section) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(r =>
            {
                var members = r.MemberNames.Any() ? r.MemberNames : [""];
                return string.Join(", ", members.Select(m => m.Length == 0 ? section : $"{section}:{m}")) + ": " + r.ErrorMessage;
            }));
        }
    }
}
