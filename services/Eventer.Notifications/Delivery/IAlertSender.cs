namespace Eventer.Notifications.Delivery;

/// <summary>
/// What a sink supplies: render a planned alert for one of its targets and send it (or, in a dry
/// run, log it), and say what the platform answered. Everything else — routing, pending rows, the
/// budget, storms, back-off — is the core's.
/// </summary>
public interface IAlertSender
{
    /// <summary>The longest message the target takes, in UTF-8 bytes of the text the sink cuts; halved while the platform answers "too long".</summary>
    int MaxMessageBytes(string target);

    /// <summary>Renders <paramref name="alert"/> within <paramref name="maxBytes"/> and sends it to <paramref name="target"/>.</summary>
    Task<SendResult> SendAsync(string target, PlannedAlert alert, int maxBytes, CancellationToken cancellationToken);
}
