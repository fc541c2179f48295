namespace Eventer.Notifications.Delivery;

/// <summary>One POST to a platform's webhook, with what every platform shares: a timeout or a broken connection is a failure that may pass.</summary>
public static class WebhookCall
{
    /// <summary>
    /// Posts <paramref name="body"/> and lets <paramref name="read"/> judge the answer. The URL
    /// carries the target's credential: nothing here logs or repeats it (HttpRequestException
    /// messages name host and port only).
    /// </summary>
    public static async Task<SendResult> PostAsync(HttpClient http, Uri url, HttpContent body,
        Func<HttpResponseMessage, CancellationToken, Task<SendResult>> read, CancellationToken cancellationToken,
        IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body };
            foreach (var (name, value) in headers ?? [])
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await http.SendAsync(request, cancellationToken);
            return await read(response, cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout: the platform may or may not have the message.
            return new SendResult(SendOutcome.Transient, "timeout", $"no answer within {http.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return new SendResult(SendOutcome.Transient, "network", ex.Message);
        }
    }
}
