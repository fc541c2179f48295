using System.Text.RegularExpressions;

namespace Eventer.Testing.Webhooks;

/// <summary>
/// Markup in a delivered message that the platform would act on — a mention that notifies people, a
/// link or a colour — found by a fake's <c>LiveMarkup</c>. A product test sends hostile event text and
/// asserts none appears; where the product's own template uses markup on purpose, compare the findings
/// for a hostile event with those for a benign one (<see cref="Match"/> is the literal text, so the two
/// sets can be subtracted).
/// </summary>
/// <param name="Path">Where, JSONPath-like: <c>$.blocks[1].text.text</c>.</param>
/// <param name="Kind">What: <c>&lt;!channel</c>, <c>&lt;@</c>, <c>&lt;at</c>, <c>link</c>, <c>mentioned_list</c>, …</param>
/// <param name="Match">The text that matched, up to its closing <c>&gt;</c> or a short excerpt.</param>
public sealed record MarkupFinding(string Path, string Kind, string Match);

/// <summary>Small text scans the fakes' <c>LiveMarkup</c> helpers share.</summary>
internal static partial class MarkupText
{
    private const int MaxExcerpt = 60;

    /// <summary>Every occurrence of <paramref name="token"/> (ordinal, ignoring case) with its excerpt up to the next '&gt;'.</summary>
    public static IEnumerable<(int Index, string Match)> Occurrences(string text, string token)
    {
        for (var i = text.IndexOf(token, StringComparison.OrdinalIgnoreCase); i >= 0; i = text.IndexOf(token, i + 1, StringComparison.OrdinalIgnoreCase))
        {
            yield return (i, ExcerptFrom(text, i));
        }
    }

    /// <summary>The text from <paramref name="start"/> up to and including the next '&gt;', or a short excerpt.</summary>
    public static string ExcerptFrom(string text, int start)
    {
        var close = text.IndexOf('>', start);
        var end = close < 0 ? text.Length : close + 1;
        return text[start..Math.Min(end, start + MaxExcerpt)];
    }

    /// <summary>Markdown links <c>[label](target)</c>.</summary>
    public static IEnumerable<string> MarkdownLinks(string text) => MarkdownLink().Matches(text).Select(m => m.Value);

    [GeneratedRegex(@"\[[^\]\r\n]*\]\([^)\r\n]*\)")]
    private static partial Regex MarkdownLink();
}
