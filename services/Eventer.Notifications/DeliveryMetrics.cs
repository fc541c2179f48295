using System.Diagnostics;
using System.Diagnostics.Metrics;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Routing;

namespace Eventer.Notifications;

/// <summary>
/// A notifier's counters, named after its sink (<c>eventer.&lt;prefix&gt;.…</c> on the meter
/// <see cref="DeliverySink.TelemetryName"/>); labels are target names, shapes and platform codes —
/// all bounded by configuration or the platform. The sends' spans come from <see cref="Source"/>.
/// </summary>
public sealed class DeliveryMetrics
{
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
    private readonly string _label;
    private Dictionary<string, long> _pending = [];

    public DeliveryMetrics(IMeterFactory meters, DeliverySink sink, DeliveryOptions options)
    {
        Prefix = sink.Prefix;
        Source = new ActivitySource(sink.TelemetryName);
        _label = options.Words().Target;
        var meter = meters.Create(sink.TelemetryName);
        var p = "eventer." + sink.Prefix;
        _routed = meter.CreateCounter<long>(p + ".occurrences.routed", description: "Occurrences queued for a target (one per target).");
        _notRouted = meter.CreateCounter<long>(p + ".occurrences.not_routed", description: "Occurrences sent to no target, by reason: dropped, unrouted, silenced.");
        _duplicates = meter.CreateCounter<long>(p + ".occurrences.duplicates", description: "Redelivered occurrences ignored because they were already queued or sent.");
        _sent = meter.CreateCounter<long>(p + ".messages.sent", description: "Messages the platform accepted, by target and shape: single, folded, summarised, held_back.");
        _represented = meter.CreateCounter<long>(p + ".occurrences.delivered", description: "Occurrences represented by an accepted message, by target and shape.");
        _throttled = meter.CreateCounter<long>(p + ".messages.throttled", description: "Requests the platform answered with a rate limit, by target.");
        _failed = meter.CreateCounter<long>(p + ".messages.failed", description: "Requests that failed, by target and errcode (the platform's code, or http_<status>, timeout, network).");
        _setAside = meter.CreateCounter<long>(p + ".occurrences.set_aside", description: "Occurrences given up on after an alert failed too often in a row, by target.");
        _writeFailures = meter.CreateCounter<long>(p + ".write.failures", description: "Writes of routed occurrences that failed, by reason; the batch is tried again.");
        _rounds = meter.CreateCounter<long>(p + ".dispatch.rounds",
            description: "Dispatch rounds completed (every target looked at once); it rises only at the replica that dispatches, and a holder whose rate drops to zero has stalled.");
        meter.CreateObservableGauge(p + ".alerts.pending",
            () => _pending.Select(t => new Measurement<long>(t.Value, new KeyValuePair<string, object?>(_label, t.Key))),
            description: "Occurrences waiting to be sent, by target.");
    }

    public void Routed(RoutingResult routing)
    {
        foreach (var target in routing.Targets)
        {
            _routed.Add(1, new KeyValuePair<string, object?>(_label, target.Target));
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

    /// <summary>The sink's name in metrics and spans, e.g. <c>dingtalk</c>.</summary>
    public string Prefix { get; }

    /// <summary>Where the sends' spans start.</summary>
    public ActivitySource Source { get; }

    public void Duplicates(int count) => _duplicates.Add(count);

    public void Sent(string target, PlannedAlert alert)
    {
        var tags = new TagList { { _label, target }, { "shape", alert.Disposition } };
        _sent.Add(1, tags);
        _represented.Add(alert.Alerts.Count, tags);
    }

    public void Throttled(string target) => _throttled.Add(1, new KeyValuePair<string, object?>(_label, target));

    public void Failed(string target, string code) => _failed.Add(1, new TagList { { _label, target }, { "errcode", code } });

    public void SetAside(string target, int occurrences) => _setAside.Add(occurrences, new KeyValuePair<string, object?>(_label, target));

    public void WriteFailed(string reason) => _writeFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RoundCompleted() => _rounds.Add(1);

    public void Pending(Dictionary<string, long> byTarget) => _pending = byTarget;
}
