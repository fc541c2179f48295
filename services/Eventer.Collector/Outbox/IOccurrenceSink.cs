using Eventer.Contracts;

namespace Eventer.Collector.Outbox;

/// <summary>
/// Where the watcher hands each new occurrence. The watcher moves past an occurrence only once
/// this returns, so a sink that throws makes the watch resume from before it.
/// </summary>
public interface IOccurrenceSink
{
    Task AcceptAsync(KubeEventObserved occurrence, CancellationToken cancellationToken);
}
