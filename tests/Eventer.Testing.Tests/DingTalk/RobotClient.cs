using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Eventer.Testing.Tests.DingTalk;

/// <summary>What a webhook call answered.</summary>
public sealed record RobotAnswer(HttpStatusCode Status, int? ErrCode, string? ErrMsg);

/// <summary>
/// Sends webhook messages the way a client of the real API does, over a real HttpClient. It signs
/// on its own (not with the fake's code), so the tests check the fake against the documented
/// algorithm rather than against itself.
/// </summary>
public sealed class RobotClient : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>URL-encoded Base64 of HMAC-SHA256(key: secret, data: timestamp + "\n" + secret).</summary>
    public static string Sign(string secret, long timestampMs)
    {
        var data = timestampMs.ToString(CultureInfo.InvariantCulture) + "\n" + secret;
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(data));
        return Uri.EscapeDataString(Convert.ToBase64String(mac));
    }

    /// <summary>The webhook URL with timestamp and sign appended.</summary>
    public static string Signed(string webhookUrl, string secret, DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        return $"{webhookUrl}&timestamp={ms.ToString(CultureInfo.InvariantCulture)}&sign={Sign(secret, ms)}";
    }

    /// <summary>A markdown message body, optionally mentioning people.</summary>
    public static JsonObject Markdown(string title, string text, string[]? atMobiles = null, string[]? atUserIds = null, bool isAtAll = false) => new()
    {
        ["msgtype"] = "markdown",
        ["markdown"] = new JsonObject { ["title"] = title, ["text"] = text },
        ["at"] = new JsonObject
        {
            ["atMobiles"] = new JsonArray([.. (atMobiles ?? []).Select(m => JsonValue.Create(m))]),
            ["atUserIds"] = new JsonArray([.. (atUserIds ?? []).Select(u => JsonValue.Create(u))]),
            ["isAtAll"] = isAtAll,
        },
    };

    /// <summary>POSTs <paramref name="body"/> to <paramref name="url"/> and reads the answer.</summary>
    public async Task<RobotAnswer> SendAsync(string url, JsonNode body, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri(url), content, cancellationToken);
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return new RobotAnswer(response.StatusCode, null, null);
        }

        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return new RobotAnswer(response.StatusCode, (int?)answer?["errcode"], (string?)answer?["errmsg"]);
    }

    /// <summary>Sends a markdown message with <paramref name="text"/>.</summary>
    public Task<RobotAnswer> SendAsync(string url, string text = "**Warning** BackOff pod/api-0") =>
        SendAsync(url, Markdown("Kubernetes event", text));

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
