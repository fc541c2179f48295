using Eventer.Contracts;
using Eventer.DingTalkNotifier.Routing;

namespace Eventer.DingTalkNotifier.Persistence;

/// <summary>An occurrence routed to a robot, about to be written as pending.</summary>
public sealed record NewAlert(
    Guid MessageId,
    AlertTarget Target,
    string FoldKey,
    DateTimeOffset LastSeen,
    KubeEventObserved Event,
    string? TraceParent);
