using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Eventer.Notifications.Delivery;
using Eventer.WebhookNotifier.Platforms;
using Eventer.WebhookNotifier.Routing;
using Microsoft.Extensions.Options;

namespace Eventer.WebhookNotifier.Delivery;

/// <summary>
/// The webhook sink's part of delivery: the target's platform builds the message, it is posted (or,
/// in a dry run, logged), and the platform reads the answer. Every call has the notifier's
/// <c>RequestTimeout</c>; the URL and header values are never logged.
/// </summary>
public sealed class WebhookSender(
    HttpClient http,
    IEnumerable<IPlatform> platforms,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookSender> logger) : IAlertSender
{
    // Non-ASCII stays as it is: Feishu's 20 KB counts bytes, and \u escapes triple Chinese text.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebhookOptions _options = options.Value;
    private readonly Dictionary<TargetKind, IPlatform> _platforms = platforms.ToDictionary(p => p.Kind);

    public int MaxMessageBytes(string target) => WebhookPlatforms.Of(Target(target).Kind!.Value).MaxMessageBytes;

    public async Task<SendResult> SendAsync(string target, PlannedAlert alert, int maxBytes, CancellationToken cancellationToken)
    {
        var settings = Target(target);
        var platform = _platforms[settings.Kind!.Value];
        var message = platform.Build(alert, settings, maxBytes, clock.GetUtcNow());
        var body = message.Body.ToJsonString(Json);
        if (_options.DryRun)
        {
            logger.LogInformation("Dry run: to target {Target} ({Kind}), title {Title}:\n{Body}", target, settings.Kind, message.Title, body);
            return SendResult.Ok;
        }

        return await WebhookCall.PostAsync(http, new Uri(settings.Url!), new StringContent(body, Encoding.UTF8, "application/json"),
            platform.ReadAsync, cancellationToken, settings.Headers);
    }

    private WebhookTargetOptions Target(string name) => _options.Targets[name];
}
