using Microsoft.AspNetCore.Http;

namespace Eventer.Archive.Api;

/// <summary>
/// A query string read strictly: a parameter the endpoint does not know, or one given twice, is a
/// 400 rather than silently ignored (a typo like <c>namespce=</c> would otherwise return everything).
/// </summary>
internal static class QueryStringReader
{
    public static FilterParser Parser(IQueryCollection query, IReadOnlyCollection<string> known)
    {
        var parser = new FilterParser(name => query.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null);
        foreach (var (name, values) in query)
        {
            if (!known.Contains(name))
            {
                parser.Fail(name, $"is not a parameter of this endpoint (known: {string.Join(", ", known)})");
            }
            else if (values.Count > 1)
            {
                parser.Fail(name, "must be given at most once");
            }
        }

        return parser;
    }

    public static int? Integer(IQueryCollection query, string name, FilterParser parser, int defaultValue, int min, int max)
    {
        if (!query.TryGetValue(name, out var values) || values.Count != 1)
        {
            return values.Count > 1 ? null : defaultValue;
        }

        if (int.TryParse(values[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max)
        {
            return value;
        }

        parser.Fail(name, $"must be a whole number from {min} to {max}");
        return null;
    }
}
