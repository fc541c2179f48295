using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Delivery;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>
/// Posts markdown messages to a custom robot's webhook, signed when the robot has a secret, and
/// reads the answer by its <c>errcode</c>: DingTalk answers failures with HTTP 200 too. Every call
/// has the timeout of <c>DingTalk:RequestTimeout</c> (the HttpClient's).
/// </summary>
public sealed class DingTalkClient(HttpClient http, TimeProvider clock) : IRobotClient
{
    public async Task<SendResult> SendAsync(string robotName, RobotOptions robot, RenderedAlert alert, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["msgtype"] = "markdown",
            ["markdown"] = new JsonObject { ["title"] = alert.Title, ["text"] = alert.Text },
            ["at"] = new JsonObject
            {
                ["atMobiles"] = new JsonArray([.. alert.Mentions.AtMobiles.Select(m => JsonValue.Create(m))]),
                ["atUserIds"] = new JsonArray([.. alert.Mentions.AtUserIds.Select(u => JsonValue.Create(u))]),
                ["isAtAll"] = alert.Mentions.IsAtAll,
            },
        };

        return await WebhookCall.PostAsync(http, DingTalkSigner.SignedUrl(robot.Webhook!, robot.Secret, clock.GetUtcNow()),
            JsonContent.Create(body), ReadAsync, cancellationToken);
    }

    private static async Task<SendResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            return SendResult.FromStatus(response);
        }

        try
        {
            var answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
            if (answer?["errcode"] is JsonValue code && code.TryGetValue<int>(out var errCode))
            {
                return FromErrCode(errCode, answer["errmsg"]?.GetValue<string>());
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Fall through: not DingTalk's JSON.
        }

        return new SendResult(SendOutcome.Transient, "bad_answer", $"HTTP {(int)response.StatusCode} without an errcode");
    }

    /// <summary>Sorts DingTalk's errcodes (always inside an HTTP 200 body) into what to do next.</summary>
    public static SendResult FromErrCode(int errCode, string? errMsg)
    {
        var code = errCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var detail = $"errcode {code}: {errMsg}";
        return errCode switch
        {
            0 => SendResult.Ok,
            130101 or 410100 => new SendResult(SendOutcome.RateLimited, code, detail),
            // 310000 sign/keyword/IP; 300001/300005 token; 400101/400102 robot missing or stopped;
            // 400013 the group was dissolved.
            310000 or 300001 or 300005 or 400101 or 400102 or 400013 => new SendResult(SendOutcome.Misconfigured, code, detail),
            // 460101: the text is too long for DingTalk; sent again shorter.
            460101 => new SendResult(SendOutcome.TooLong, code, detail),
            // -1 (busy) and anything unknown: try again later.
            _ => new SendResult(SendOutcome.Transient, code, detail),
        };
    }
}
