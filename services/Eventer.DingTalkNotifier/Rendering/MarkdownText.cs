using Eventer.Notifications.Rendering;

namespace Eventer.DingTalkNotifier.Rendering;

/// <summary>
/// Makes event text inert inside DingTalk markdown: a message can carry neither markup (headings,
/// emphasis, quotes, tables, HTML), nor a link (markdown or bare URL), nor an @-mention.
/// </summary>
public static class MarkdownText
{
    // Characters that start or end markup in DingTalk's markdown; each is escaped with a backslash.
    private const string MarkupCharacters = "\\`*_[](){}#<>!|~";

    /// <summary>One line of inert text: line breaks become spaces, markup is escaped, links and mentions are broken.</summary>
    public static string Escape(string? text) => InertText.Escape(text, static (c, first) =>
        // At the start of a value - + = begin a list item or a setext heading underline.
        MarkupCharacters.Contains(c) || (first && c is '-' or '+' or '=') ? "\\" + c : null);
}
