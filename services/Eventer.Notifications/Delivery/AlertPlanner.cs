using Eventer.Notifications.Persistence;

namespace Eventer.Notifications.Delivery;

/// <summary>
/// Storm control: decides which messages a robot sends now so that every pending occurrence is
/// represented and the budget is never exceeded.
/// <list type="bullet">
/// <item>Occurrences that were already older than <c>MaxAge</c> when they reached the notifier (a
/// collector's first list, a backlog) go into one "held back" note. Age is judged on arrival, so an
/// alert that waited here for a throttled or misconfigured robot is still sent as an alert.</item>
/// <item>Occurrences of one fold key (cluster, namespace, object, reason) pending together make one
/// alert with their count; after an alert, that key's repeats wait until <c>FoldWindow</c> has passed.</item>
/// <item>More alerts than the budget allows: all but one are sent as they are, oldest first, and the
/// last message summarises the rest.</item>
/// </list>
/// </summary>
public static class AlertPlanner
{
    public static IReadOnlyList<PlannedAlert> Plan(
        IReadOnlyList<PendingAlert> pending,
        int budget,
        DateTimeOffset now,
        TimeSpan maxAge,
        TimeSpan foldWindow,
        IReadOnlyDictionary<string, DateTimeOffset> lastAlerted)
    {
        var plan = new List<PlannedAlert>();
        if (budget <= 0 || pending.Count == 0)
        {
            return plan;
        }

        var stale = pending.Where(a => IsStale(a, maxAge)).ToList();
        if (stale.Count > 0)
        {
            plan.Add(new PlannedAlert(AlertShape.HeldBack, stale));
            budget--;
        }

        var ready = pending
            .Where(a => !IsStale(a, maxAge))
            .GroupBy(a => a.FoldKey, StringComparer.Ordinal)
            .Where(g => !lastAlerted.TryGetValue(g.Key, out var at) || at + foldWindow <= now)
            .OrderBy(g => g.Min(a => a.Id))
            .Select(g => g.ToList())
            .ToList();
        if (budget <= 0 || ready.Count == 0)
        {
            return plan;
        }

        var alone = ready.Count <= budget ? ready.Count : budget - 1;
        plan.AddRange(ready.Take(alone).Select(g => new PlannedAlert(g.Count == 1 ? AlertShape.Single : AlertShape.Folded, g)));
        if (alone < ready.Count)
        {
            plan.Add(new PlannedAlert(AlertShape.Summary, [.. ready.Skip(alone).SelectMany(g => g)]));
        }

        return plan;
    }

    private static bool IsStale(PendingAlert alert, TimeSpan maxAge) => alert.LastSeen < alert.ReceivedAt - maxAge;

    /// <summary>The fold key: repeats of one (cluster, namespace, involved object, reason) fold together.</summary>
    public static string FoldKeyOf(Contracts.KubeEventObserved e) =>
        string.Join('\u001f', e.Cluster, Routing.EventMatcher.NamespaceOf(e), e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason);
}
