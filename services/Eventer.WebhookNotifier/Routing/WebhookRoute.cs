using Eventer.Notifications.Routing;

namespace Eventer.WebhookNotifier.Routing;

/// <summary>A route to a target (<c>Webhook:Routes:&lt;i&gt;</c>): the core's route with the target it sends to.</summary>
public sealed class WebhookRoute : RouteRule
{
    /// <summary>The target to send to (a name under <c>Webhook:Targets</c>).</summary>
    public string? Target { get; set; }

    protected override string TargetKey => nameof(Target);

    public override string? TargetName() => Target;
}
