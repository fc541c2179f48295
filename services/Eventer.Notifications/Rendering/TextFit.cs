using System.Text;

namespace Eventer.Notifications.Rendering;

/// <summary>Keeps a message within a platform's byte limit by cutting its body, never its footer (mentions, keyword).</summary>
public static class TextFit
{
    public const string TruncationMarker = "\n\n…(truncated)";

    /// <summary>Body plus footer within <paramref name="maxBytes"/> UTF-8 bytes: the body is cut, with a marker, never the footer.</summary>
    public static string Fit(string body, string footer, int maxBytes)
    {
        var utf8 = Encoding.UTF8;
        if (utf8.GetByteCount(body) + utf8.GetByteCount(footer) <= maxBytes)
        {
            return body + footer;
        }

        var room = maxBytes - utf8.GetByteCount(footer) - utf8.GetByteCount(TruncationMarker);
        var cut = body;
        var length = body.Length;
        while (length > 0 && utf8.GetByteCount(cut) > room)
        {
            // Bytes per char are 1-4: step down proportionally, then by one.
            length = Math.Min(length - 1, (int)((long)length * room / Math.Max(1, utf8.GetByteCount(cut))));
            length = Math.Max(0, length);
            if (length > 0 && char.IsHighSurrogate(body[length - 1]))
            {
                length--;
            }

            cut = body[..length];
        }

        // Never end on half an escape, which would escape the marker's first character.
        cut = cut.TrimEnd('\\');
        return cut + TruncationMarker + footer;
    }
}
