using Eventer.Contracts;
using Eventer.Notifications.Routing;

namespace Eventer.Notifications.Persistence;

/// <summary>An occurrence routed to a target, about to be written as pending.</summary>
public sealed record NewAlert(
    Guid MessageId,
    AlertTarget Target,
    string FoldKey,
    DateTimeOffset LastSeen,
    KubeEventObserved Event,
    string? TraceParent);
