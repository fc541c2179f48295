using System.Globalization;
using System.Text;

namespace Eventer.Collector.Mapping;

/// <summary>
/// Makes an Event's text storable by every sink. A Kubernetes Event may hold NUL (<c>\u0000</c> is
/// valid JSON) and lone UTF-16 surrogates; PostgreSQL refuses NUL in text and jsonb (SQLSTATE
/// 22P05, 22021) and a lone surrogate has no UTF-8 form. Both become U+FFFD. A message can also be
/// megabytes long; <see cref="Cap"/> bounds it so one Event cannot bloat every sink and buffer.
/// </summary>
public static class StorableText
{
    /// <summary>What NUL and lone surrogates are replaced with: U+FFFD REPLACEMENT CHARACTER.</summary>
    public const char Replacement = '\uFFFD';

    /// <summary>The longest message kept, in UTF-8 bytes, marker included: 64 KiB.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    // Room kept for the marker; the longest one ("…[eventer cut 2147483647 of 2147483647 bytes]") is 47 bytes.
    private const int MarkerBytes = 64;

    /// <summary>
    /// <paramref name="text"/> with every NUL and every unpaired surrogate replaced by U+FFFD (paired
    /// surrogates, i.e. characters beyond the BMP such as emoji, are kept); null becomes "".
    /// Returns the same instance when nothing needs replacing.
    /// </summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var first = FirstToReplace(text);
        if (first < 0)
        {
            return text;
        }

        return string.Create(text.Length, (text, first), static (chars, state) =>
        {
            state.text.CopyTo(chars);
            for (var i = state.first; i < chars.Length; i++)
            {
                if (IsPairAt(chars, i))
                {
                    i++;
                }
                else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
                {
                    chars[i] = Replacement;
                }
            }
        });
    }

    /// <summary>Where the first NUL or lone surrogate is, or -1 (valid pairs are skipped).</summary>
    private static int FirstToReplace(ReadOnlySpan<char> text)
    {
        var offset = 0;
        while (NextSuspect(text[offset..]) is var found and >= 0)
        {
            var i = offset + found;
            if (!IsPairAt(text, i))
            {
                return i;
            }

            offset = i + 2;
        }

        return -1;
    }

    /// <summary>The first NUL or surrogate (paired or not); two vectorized searches, as clean text is the common case.</summary>
    private static int NextSuspect(ReadOnlySpan<char> text)
    {
        var nul = text.IndexOf('\0');
        var surrogate = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        return nul < 0 ? surrogate : surrogate < 0 ? nul : Math.Min(nul, surrogate);
    }

    private static bool IsPairAt(ReadOnlySpan<char> text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);

    /// <summary>
    /// <paramref name="text"/> cut to at most <paramref name="maxBytes"/> bytes of UTF-8, marker
    /// included: the kept part ends at a character boundary (a surrogate pair is never split) and is
    /// followed by <c>…[eventer cut N of M bytes]</c>. Text that fits is returned as is.
    /// </summary>
    public static string Cap(string text, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, MarkerBytes * 2);

        // No UTF-16 char takes more than 3 bytes of UTF-8 (a pair, 2 chars, takes 4).
        if (text.Length <= maxBytes / 3)
        {
            return text;
        }

        var total = Encoding.UTF8.GetByteCount(text);
        if (total <= maxBytes)
        {
            return text;
        }

        var budget = maxBytes - MarkerBytes;
        int kept = 0, keptBytes = 0;
        while (kept < text.Length)
        {
            // A lone surrogate decodes as U+FFFD (3 bytes), as GetByteCount counts it.
            Rune.DecodeFromUtf16(text.AsSpan(kept), out var rune, out var chars);
            if (keptBytes + rune.Utf8SequenceLength > budget)
            {
                break;
            }

            keptBytes += rune.Utf8SequenceLength;
            kept += chars;
        }

        return string.Concat(text.AsSpan(0, kept),
            string.Create(CultureInfo.InvariantCulture, $"…[eventer cut {total - keptBytes} of {total} bytes]"));
    }
}
