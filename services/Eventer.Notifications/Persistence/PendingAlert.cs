using Eventer.Contracts;
using Eventer.Notifications.Routing;

namespace Eventer.Notifications.Persistence;

/// <summary>One occurrence waiting to be told to one target (a row of <c>&lt;schema&gt;.alerts</c> not yet sent).</summary>
public sealed record PendingAlert(
    long Id,
    Guid MessageId,
    string Target,
    string Route,
    string FoldKey,
    DateTimeOffset LastSeen,
    DateTimeOffset ReceivedAt,
    Mentions Mentions,
    KubeEventObserved Event,
    string? TraceParent);
