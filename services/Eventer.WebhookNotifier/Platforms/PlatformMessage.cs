using System.Text.Json.Nodes;
using Eventer.Notifications.Delivery;
using Eventer.WebhookNotifier.Routing;

namespace Eventer.WebhookNotifier.Platforms;

/// <summary>One message as a platform takes it: the JSON body, and the title for logs.</summary>
public sealed record PlatformMessage(string Title, JsonObject Body);

/// <summary>How one platform's messages are built and its answers read.</summary>
public interface IPlatform
{
    TargetKind Kind { get; }

    /// <summary>The body for <paramref name="alert"/>, its text within <paramref name="maxBytes"/>, signed at <paramref name="now"/> where the platform signs.</summary>
    PlatformMessage Build(PlannedAlert alert, WebhookTargetOptions target, int maxBytes, DateTimeOffset now);

    /// <summary>What the platform's answer means for delivery.</summary>
    Task<SendResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken);
}
