using Eventer.Contracts;

namespace Eventer.Collector.Watching;

/// <summary>One Events API (core/v1 or events.k8s.io/v1), already mapped to <see cref="KubeEventObserved"/>.</summary>
public interface IKubeEventSource
{
    /// <summary>One page of a consistent list; <paramref name="namespace"/> null means all namespaces.</summary>
    Task<EventListPage> ListAsync(string? @namespace, string? continueToken, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// A watch from <paramref name="resourceVersion"/> with bookmarks. Status lines (410 Expired and
    /// others) and malformed lines are reported through <paramref name="onError"/>, as the client does.
    /// </summary>
    IAsyncEnumerable<WatchedEvent> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds,
        Action<Exception> onError, CancellationToken cancellationToken);
}

/// <summary>A list page and the resourceVersion to watch from once the last page is read.</summary>
public sealed record EventListPage(IReadOnlyList<KubeEventObserved> Items, string ResourceVersion, string? ContinueToken);

/// <summary>A watch line: the occurrence (null for bookmarks) and the resourceVersion it carries.</summary>
public sealed record WatchedEvent(WatchedChange Type, KubeEventObserved? Occurrence, string? ResourceVersion);

/// <summary>What a watch line says happened (its <c>type</c>; ERROR lines are reported as errors, not yielded).</summary>
public enum WatchedChange
{
    Added,
    Modified,
    Deleted,
    Bookmark,
}
