using System.Text;

namespace Eventer.Notifications.Rendering;

/// <summary>
/// Makes event text inert in a chat message, whatever the platform: one line (a line break would
/// let the text start its own heading, list or quote), no control characters, no live @-mention,
/// no bare URL a client turns into a link. Each sink adds what its markup needs (<c>replace</c>).
/// </summary>
public static class InertText
{
    // Breaks what clients turn into links or mentions without changing what a reader sees.
    public const char ZeroWidthSpace = '\u200B';

    /// <param name="text">The event's text.</param>
    /// <param name="replace">
    /// The sink's own rule for one character (true for the first of the value): what to write
    /// instead, or null to keep it. Markup characters are escaped or swapped for look-alikes here.
    /// </param>
    public static string Escape(string? text, Func<char, bool, string?> replace)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var result = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\r' or '\n' or '\t')
            {
                result.Append(' ');
            }
            else if (replace(c, result.Length == 0) is { } replacement)
            {
                result.Append(replacement);
            }
            else if (c == '@')
            {
                result.Append('@').Append(ZeroWidthSpace);
            }
            else if (c == ':' && text.AsSpan(i).StartsWith("://"))
            {
                result.Append(':').Append(ZeroWidthSpace);
            }
            else if (c is 'w' or 'W' && text.AsSpan(i).StartsWith("www.", StringComparison.OrdinalIgnoreCase))
            {
                result.Append(text, i, 3).Append(ZeroWidthSpace);
                i += 2;
            }
            else if (!char.IsControl(c))
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
