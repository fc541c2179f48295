using System.Diagnostics;
using System.Diagnostics.Metrics;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Routing;

namespace Eventer.DingTalkNotifier;

/// <summary>The notifier's counters; labels are robot names, shapes and errcodes — all bounded by configuration or DingTalk.</summary>
public sealed class NotifierMetrics
{
    public const string Name = "Eventer.DingTalkNotifier";

    private readonly Counter<long> _routed;
    private readonly Counter<long> _notRouted;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _represented;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _setAside;
    private readonly Counter<long> _writeFailures;
    private readonly Counter<long> _rounds;
    private Dictionary<string, long> _pending = [];

    public NotifierMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _routed = meter.CreateCounter<long>("eventer.dingtalk.occurrences.routed", description: "Occurrences queued for a robot (one per robot).");
        _notRouted = meter.CreateCounter<long>("eventer.dingtalk.occurrences.not_routed", description: "Occurrences sent to no robot, by reason: dropped, unrouted, silenced.");
        _duplicates = meter.CreateCounter<long>("eventer.dingtalk.occurrences.duplicates", description: "Redelivered occurrences ignored because they were already queued or sent.");
        _sent = meter.CreateCounter<long>("eventer.dingtalk.messages.sent", description: "Messages DingTalk accepted, by robot and shape: single, folded, summarised, held_back.");
        _represented = meter.CreateCounter<long>("eventer.dingtalk.occurrences.delivered", description: "Occurrences represented by an accepted message, by robot and shape.");
        _throttled = meter.CreateCounter<long>("eventer.dingtalk.messages.throttled", description: "Requests DingTalk answered with a rate limit, by robot.");
        _failed = meter.CreateCounter<long>("eventer.dingtalk.messages.failed", description: "Requests that failed, by robot and errcode (or http_<status>, timeout, network).");
        _setAside = meter.CreateCounter<long>("eventer.dingtalk.occurrences.set_aside", description: "Occurrences given up on after an alert failed too often in a row, by robot.");
        _writeFailures = meter.CreateCounter<long>("eventer.dingtalk.write.failures", description: "Writes of routed occurrences that failed, by reason; the batch is tried again.");
        _rounds = meter.CreateCounter<long>("eventer.dingtalk.dispatch.rounds",
            description: "Dispatch rounds completed (every robot looked at once); it rises only at the replica that dispatches, and a holder whose rate drops to zero has stalled.");
        meter.CreateObservableGauge("eventer.dingtalk.alerts.pending",
            () => _pending.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("robot", p.Key))),
            description: "Occurrences waiting to be sent, by robot.");
    }

    public void Routed(RoutingResult routing)
    {
        foreach (var target in routing.Targets)
        {
            _routed.Add(1, new KeyValuePair<string, object?>("robot", target.Robot));
        }

        if (routing.Silenced > 0)
        {
            _notRouted.Add(routing.Silenced, new KeyValuePair<string, object?>("reason", "silenced"));
        }
        else if (routing.NotRoutedBecause is { } why)
        {
            _notRouted.Add(1, new KeyValuePair<string, object?>("reason", why.StartsWith("dropped", StringComparison.Ordinal) ? "dropped" : "unrouted"));
        }
    }

    public void Duplicates(int count) => _duplicates.Add(count);

    public void Sent(string robot, PlannedAlert alert)
    {
        var tags = new TagList { { "robot", robot }, { "shape", alert.Disposition } };
        _sent.Add(1, tags);
        _represented.Add(alert.Alerts.Count, tags);
    }

    public void Throttled(string robot) => _throttled.Add(1, new KeyValuePair<string, object?>("robot", robot));

    public void Failed(string robot, string code) => _failed.Add(1, new TagList { { "robot", robot }, { "errcode", code } });

    public void SetAside(string robot, int occurrences) => _setAside.Add(occurrences, new KeyValuePair<string, object?>("robot", robot));

    public void WriteFailed(string reason) => _writeFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RoundCompleted() => _rounds.Add(1);

    public void Pending(Dictionary<string, long> byRobot) => _pending = byRobot;
}
