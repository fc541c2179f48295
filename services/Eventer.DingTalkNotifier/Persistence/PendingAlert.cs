using Eventer.Contracts;
using Eventer.DingTalkNotifier.Routing;

namespace Eventer.DingTalkNotifier.Persistence;

/// <summary>One occurrence waiting to be told to one robot (a row of <c>dingtalk.alerts</c> not yet sent).</summary>
public sealed record PendingAlert(
    long Id,
    Guid MessageId,
    string Robot,
    string Route,
    string FoldKey,
    DateTimeOffset LastSeen,
    DateTimeOffset ReceivedAt,
    Mentions Mentions,
    KubeEventObserved Event,
    string? TraceParent);
