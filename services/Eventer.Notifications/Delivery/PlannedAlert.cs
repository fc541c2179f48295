using Eventer.Notifications.Persistence;

namespace Eventer.Notifications.Delivery;

/// <summary>What one DingTalk message stands for.</summary>
public enum AlertShape
{
    /// <summary>One occurrence.</summary>
    Single,

    /// <summary>Repeats of one object and reason, folded into one alert with their count.</summary>
    Folded,

    /// <summary>More distinct alerts than the robot's budget allows now, summarised.</summary>
    Summary,

    /// <summary>Occurrences too old to alert about one by one (see <c>DingTalk:MaxAge</c>).</summary>
    HeldBack,
}

/// <summary>One message to send and every occurrence it represents (all of them are marked sent with it).</summary>
public sealed record PlannedAlert(AlertShape Shape, IReadOnlyList<PendingAlert> Alerts)
{
    /// <summary>The newest occurrence: the one a single or folded alert shows.</summary>
    public PendingAlert Latest => Alerts.MaxBy(a => a.Id)!;

    /// <summary>The disposition recorded for the occurrences (and the metric label).</summary>
    public string Disposition => Shape switch
    {
        AlertShape.Single => "single",
        AlertShape.Folded => "folded",
        AlertShape.Summary => "summarised",
        _ => "held_back",
    };
}
