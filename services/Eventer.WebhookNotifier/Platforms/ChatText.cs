using Eventer.Notifications.Rendering;

namespace Eventer.WebhookNotifier.Platforms;

/// <summary>
/// Each platform's escape for event text (on top of <see cref="InertText"/>: one line, no mention,
/// no bare link). Slack, Feishu and WeCom document no escape for their markup beyond Slack's three
/// entities, so markup characters become full-width look-alikes: readable, and never markup.
/// </summary>
public static class ChatText
{
    /// <summary>Slack mrkdwn: <c>&amp; &lt; &gt;</c> as entities (so no <c>&lt;!channel&gt;</c> or <c>&lt;@U…&gt;</c>), <c>* _ ~ `</c> as look-alikes.</summary>
    public static string Slack(string? text) => InertText.Escape(text, static (c, _) => c switch
    {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        _ => LookAlike(c, "*_~`"),
    });

    /// <summary>Feishu/Lark post text: <c>&lt;</c> as a look-alike, so no <c>&lt;at user_id="all"&gt;</c>.</summary>
    public static string Feishu(string? text) => InertText.Escape(text, static (c, _) => LookAlike(c, "<>"));

    /// <summary>WeCom markdown: <c>&lt;@userid&gt;</c>, <c>&lt;font&gt;</c>, emphasis, links, code, headings and quotes as look-alikes.</summary>
    public static string WeCom(string? text) => InertText.Escape(text, static (c, _) => LookAlike(c, "<>*[]`#_~"));

    /// <summary>Json: the raw text; the template's <c>json</c> filter makes it a JSON string.</summary>
    public static string Raw(string? text) => text ?? "";

    private static string? LookAlike(char c, string markup) =>
        markup.Contains(c) ? ((char)(c - 0x21 + 0xFF01)).ToString() : null; // U+FF01.. are the full-width forms of ! to ~
}
