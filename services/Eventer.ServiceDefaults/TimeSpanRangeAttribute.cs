using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Eventer.ServiceDefaults;

/// <summary>
/// A <see cref="TimeSpan"/> between two bounds, inclusive, with <see cref="RangeAttribute"/>'s
/// message. <c>[Range(typeof(TimeSpan), …)]</c> converts its bounds through a TypeConverter found
/// by reflection, which a trimmed, ahead-of-time compiled service (the collector) cannot rely on.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute("The field {0} must be between {1} and {2}.")
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    /// <summary>Null passes, as with <see cref="RangeAttribute"/>: <see cref="RequiredAttribute"/> says whether a value must be set.</summary>
    public override bool IsValid(object? value) => value is not TimeSpan span || (span >= Minimum && span <= Maximum);

    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.CurrentCulture, ErrorMessageString, name, Minimum, Maximum);
}
