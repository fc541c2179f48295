using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>
/// DingTalk's "signature" security setting: <c>sign = Base64(HMAC-SHA256(key: secret, data: timestamp + "\n" + secret))</c>,
/// URL-encoded once, sent with the millisecond <c>timestamp</c> (DingTalk accepts one hour of skew).
/// </summary>
public static class DingTalkSigner
{
    public static string Sign(string secret, long timestampMilliseconds)
    {
        var data = Encoding.UTF8.GetBytes(timestampMilliseconds.ToString(CultureInfo.InvariantCulture) + "\n" + secret);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data));
    }

    /// <summary>The webhook as it is called at <paramref name="now"/>: unchanged without a secret, else with timestamp and sign added.</summary>
    public static Uri SignedUrl(string webhook, string? secret, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return new Uri(webhook);
        }

        var timestamp = now.ToUnixTimeMilliseconds();
        var separator = webhook.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return new Uri($"{webhook}{separator}timestamp={timestamp.ToString(CultureInfo.InvariantCulture)}&sign={Uri.EscapeDataString(Sign(secret, timestamp))}");
    }
}
