using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Eventer.Archive.Api;

/// <summary>
/// A position in the newest-first order: the (occurred_at, occurrence_key) pair of the last item a
/// page returned. Keyset paging on that pair never loses or repeats a row while new rows arrive.
/// </summary>
public sealed record KeysetCursor(DateTimeOffset OccurredAt, string OccurrenceKey)
{
    private const byte Version = 1;
    private const int ChecksumLength = 4;
    private const int MaxKeyBytes = 1024;

    /// <summary>Base64url of version, UTC ticks, key and a short checksum.</summary>
    public string Encode()
    {
        var key = Encoding.UTF8.GetBytes(OccurrenceKey);
        var payload = new byte[1 + 8 + key.Length];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), OccurredAt.UtcTicks);
        key.CopyTo(payload, 9);
        return WebEncoders.Base64UrlEncode([.. payload, .. Checksum(payload)]);
    }

    /// <summary>
    /// Null when <paramref name="text"/> is not a cursor this API made. The checksum is not a
    /// signature: it turns an edited or truncated cursor into a clear 400 instead of a silent jump.
    /// </summary>
    public static KeysetCursor? TryDecode(string text)
    {
        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(text);
        }
        catch (FormatException)
        {
            return null;
        }

        if (bytes.Length < 1 + 8 + 1 + ChecksumLength || bytes.Length > 1 + 8 + MaxKeyBytes + ChecksumLength || bytes[0] != Version)
        {
            return null;
        }

        var payload = bytes.AsSpan(0, bytes.Length - ChecksumLength);
        if (!CryptographicOperations.FixedTimeEquals(Checksum(payload), bytes.AsSpan(payload.Length)))
        {
            return null;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(payload[1..]);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return null;
        }

        string key;
        try
        {
            key = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload[9..]);
        }
        catch (ArgumentException)
        {
            return null;
        }

        return new KeysetCursor(new DateTimeOffset(ticks, TimeSpan.Zero), key);
    }

    private static byte[] Checksum(ReadOnlySpan<byte> payload) => SHA256.HashData(payload)[..ChecksumLength];
}
