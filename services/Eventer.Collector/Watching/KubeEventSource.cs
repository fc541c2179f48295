using System.Runtime.CompilerServices;
using Eventer.Collector.Mapping;
using Eventer.Contracts;
using k8s;

namespace Eventer.Collector.Watching;

/// <summary>
/// Lists and watches Events through KubernetesClient. core/v1 goes through the CoreV1 operations
/// (not <c>ClientSet.CoreV1.Event</c>, which calls events.k8s.io).
/// </summary>
public sealed class KubeEventSource(IKubernetes client, KubeEventMapper mapper, string api) : IKubeEventSource
{
    public async Task<EventListPage> ListAsync(string? @namespace, string? continueToken, int limit, CancellationToken cancellationToken)
    {
        if (api == KubeEventApis.EventsV1)
        {
            var list = @namespace is null
                ? await client.EventsV1.ListEventForAllNamespacesAsync(continueParameter: continueToken, limit: limit, cancellationToken: cancellationToken)
                : await client.EventsV1.ListNamespacedEventAsync(@namespace, continueParameter: continueToken, limit: limit, cancellationToken: cancellationToken);
            return new EventListPage(list.Items.Select(mapper.FromEventsV1).ToList(), list.Metadata.ResourceVersion, list.Metadata.ContinueProperty);
        }
        else
        {
            var list = @namespace is null
                ? await client.CoreV1.ListEventForAllNamespacesAsync(continueParameter: continueToken, limit: limit, cancellationToken: cancellationToken)
                : await client.CoreV1.ListNamespacedEventAsync(@namespace, continueParameter: continueToken, limit: limit, cancellationToken: cancellationToken);
            return new EventListPage(list.Items.Select(mapper.FromCoreV1).ToList(), list.Metadata.ResourceVersion, list.Metadata.ContinueProperty);
        }
    }

    public async IAsyncEnumerable<WatchedEvent> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (api == KubeEventApis.EventsV1)
        {
            var stream = @namespace is null
                ? client.EventsV1.WatchListEventForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
                : client.EventsV1.WatchListNamespacedEventAsync(@namespace, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
            await foreach (var (type, e) in stream.WithCancellation(cancellationToken))
            {
                yield return new WatchedEvent(type, type == WatchEventType.Bookmark ? null : mapper.FromEventsV1(e), e.Metadata?.ResourceVersion);
            }
        }
        else
        {
            var stream = @namespace is null
                ? client.CoreV1.WatchListEventForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
                : client.CoreV1.WatchListNamespacedEventAsync(@namespace, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
            await foreach (var (type, e) in stream.WithCancellation(cancellationToken))
            {
                yield return new WatchedEvent(type, type == WatchEventType.Bookmark ? null : mapper.FromCoreV1(e), e.Metadata?.ResourceVersion);
            }
        }
    }
}
