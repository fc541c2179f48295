using System.Globalization;

namespace Eventer.Archive.Api;

/// <summary>
/// Reads filter parameters from any source (query string, JSON body) into an <see cref="EventFilter"/>,
/// collecting one message per bad parameter so a 400 names every one of them.
/// </summary>
internal sealed class FilterParser(Func<string, string?> read)
{
    /// <summary>The filter parameters, shared by the query and the replay.</summary>
    public static readonly string[] FilterNames = ["cluster", "namespace", "kind", "name", "type", "reason", "since", "until", "q"];

    private const int MaxTextLength = 1_000;

    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd",
    ];

    public Dictionary<string, string[]> Errors { get; } = [];

    public EventFilter Filter()
    {
        var filter = new EventFilter
        {
            Cluster = Text("cluster"),
            Namespace = Text("namespace"),
            Kind = Text("kind"),
            Name = Text("name"),
            Type = Text("type"),
            Reason = Text("reason"),
            Since = Timestamp("since"),
            Until = Timestamp("until"),
            Text = Text("q"),
        };
        if (filter is { Since: { } since, Until: { } until } && until <= since)
        {
            Fail("until", "must be later than since");
        }

        return filter;
    }

    public void Fail(string parameter, string problem) =>
        Errors[parameter] = Errors.TryGetValue(parameter, out var existing) ? [.. existing, problem] : [problem];

    private string? Text(string parameter)
    {
        var value = read(parameter);
        if (value is null)
        {
            return null;
        }

        if (value.Length == 0 || value.Length > MaxTextLength)
        {
            Fail(parameter, $"must be 1-{MaxTextLength} characters");
            return null;
        }

        return value;
    }

    private DateTimeOffset? Timestamp(string parameter)
    {
        var value = read(parameter);
        if (value is null)
        {
            return null;
        }

        // An unencoded '+' in a query string arrives as a space; a space is never valid ISO-8601 otherwise.
        value = value.Replace(' ', '+');
        if (DateTimeOffset.TryParseExact(value, TimestampFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return parsed.ToUniversalTime();
        }

        Fail(parameter, "must be an ISO-8601 timestamp such as 2026-11-27T09:00:00Z");
        return null;
    }
}
