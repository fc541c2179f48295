using System.Text;

namespace Eventer.DingTalkNotifier.Rendering;

/// <summary>
/// Makes event text inert inside DingTalk markdown: a message can carry neither markup (headings,
/// emphasis, quotes, tables, HTML), nor a link (markdown or bare URL), nor an @-mention.
/// </summary>
public static class MarkdownText
{
    // Characters that start or end markup in DingTalk's markdown; each is escaped with a backslash.
    private const string MarkupCharacters = "\\`*_[](){}#<>!|~";

    // Breaks what renderers turn into links or mentions without changing what a reader sees.
    private const char ZeroWidthSpace = '\u200B';

    /// <summary>One line of inert text: line breaks become spaces, markup is escaped, links and mentions are broken.</summary>
    public static string Escape(string? text)
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
                // A line break would let the text start its own heading, list or quote.
                result.Append(' ');
            }
            else if (MarkupCharacters.Contains(c))
            {
                result.Append('\\').Append(c);
            }
            else if (c is '-' or '+' or '=' && result.Length == 0)
            {
                // At the start of a value these begin a list item or a setext heading underline.
                result.Append('\\').Append(c);
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
