using System.Text;
using Eventer.Collector.Mapping;

namespace Eventer.Collector.Tests.Mapping;

[Trait("Category", "Unit")]
public sealed class StorableTextTests
{
    // Built in code, not in [InlineData]: attribute strings are stored as UTF-8, which has no lone surrogates.
    public static TheoryData<string, string> Unstorable => new()
    {
        { "a\0b", "a\uFFFDb" },
        { "\0", "\uFFFD" },
        { "x\uD800y", "x\uFFFDy" }, // lone high surrogate
        { "x\uDC00y", "x\uFFFDy" }, // lone low surrogate
        { "end\uD83D", "end\uFFFD" }, // high surrogate at the very end
        { "\uDE00\uD83D", "\uFFFD\uFFFD" }, // a pair in the wrong order is two lone ones
        { "ok \uD83D\uDE00 \0", "ok \uD83D\uDE00 \uFFFD" }, // a valid pair stays
    };

    [Theory]
    [MemberData(nameof(Unstorable))]
    public void Nul_and_lone_surrogates_become_the_replacement_character(string text, string expected)
    {
        var clean = StorableText.Clean(text);

        Assert.Equal(expected, clean);
        Assert.Equal(clean, Encoding.UTF8.GetString(new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(clean)));
    }

    [Fact]
    public void Clean_text_is_returned_as_is_and_null_becomes_empty()
    {
        const string text = "Back-off pulling image 镜像 \uD83D\uDE00";

        Assert.Same(text, StorableText.Clean(text));
        Assert.Equal("", StorableText.Clean(null));
    }

    [Fact]
    public void Text_that_fits_is_not_capped()
    {
        var text = new string('a', StorableText.MaxMessageBytes);

        Assert.Same(text, StorableText.Cap(text, StorableText.MaxMessageBytes));
    }

    [Fact]
    public void A_megabyte_message_is_cut_to_the_cap_with_a_marker_saying_how_much_was_cut()
    {
        var text = new string('m', 1024 * 1024);

        var capped = StorableText.Cap(text, StorableText.MaxMessageBytes);

        var bytes = Encoding.UTF8.GetByteCount(capped);
        Assert.InRange(bytes, StorableText.MaxMessageBytes - 64, StorableText.MaxMessageBytes);
        var kept = capped.TakeWhile(c => c == 'm').Count();
        Assert.Equal($"…[eventer cut {1024 * 1024 - kept} of {1024 * 1024} bytes]", capped[kept..]);
    }

    [Theory]
    [InlineData("\uD83D\uDE00")] // 4 bytes, 2 chars
    [InlineData("镜")] // 3 bytes
    [InlineData("é")] // 2 bytes
    public void The_cut_never_splits_a_character(string unit)
    {
        // Offset by one ASCII char so the budget falls inside a character for every width.
        var text = "a" + string.Concat(Enumerable.Repeat(unit, 100_000));

        var capped = StorableText.Cap(text, StorableText.MaxMessageBytes);

        var kept = capped[..capped.IndexOf('…')];
        Assert.Equal(0, (kept.Length - 1) % unit.Length);
        Assert.True(kept[1..].Chunk(unit.Length).All(c => new string(c) == unit));
        Assert.InRange(Encoding.UTF8.GetByteCount(capped), StorableText.MaxMessageBytes - 64, StorableText.MaxMessageBytes);
        var cut = Encoding.UTF8.GetByteCount(text) - Encoding.UTF8.GetByteCount(kept);
        Assert.EndsWith($"…[eventer cut {cut} of {Encoding.UTF8.GetByteCount(text)} bytes]", capped);
    }
}
