using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;

namespace Eventer.DingTalkNotifier.Delivery;

/// <summary>
/// Posts markdown messages to a custom robot's webhook, signed when the robot has a secret, and
/// reads the answer by its <c>errcode</c>: DingTalk answers failures with HTTP 200 too. Every call
/// has the timeout of <c>DingTalk:RequestTimeout</c> (the HttpClient's).
/// </summary>
public sealed class DingTalkClient(HttpClient http, TimeProvider clock) : IAlertSender
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

        try
        {
            using var response = await http.PostAsJsonAsync(DingTalkSigner.SignedUrl(robot.Webhook!, robot.Secret, clock.GetUtcNow()), body, cancellationToken);
            return await ReadAsync(response, cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout: DingTalk may or may not have the message.
            return new SendResult(SendOutcome.Transient, "timeout", $"no answer within {http.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            // HttpRequestException messages name host and port, never the query with the token.
            return new SendResult(SendOutcome.Transient, "network", ex.Message);
        }
    }

    private static async Task<SendResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new SendResult(SendOutcome.RateLimited, "http_429", "HTTP 429");
        }

        if (!response.IsSuccessStatusCode)
        {
            // A 4xx other than a timeout is the URL's fault (a wrong host or path); a 5xx is the server's.
            var outcome = status is >= 400 and < 500 and not 408 ? SendOutcome.Misconfigured : SendOutcome.Transient;
            return new SendResult(outcome, $"http_{status}", $"HTTP {status}");
        }

        try
        {
            var answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
            if (answer?["errcode"] is JsonValue code && code.TryGetValue<int>(out var errCode))
            {
                return SendResult.FromErrCode(errCode, answer["errmsg"]?.GetValue<string>());
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Fall through: not DingTalk's JSON.
        }

        return new SendResult(SendOutcome.Transient, "bad_answer", $"HTTP {status} without an errcode");
    }
}
