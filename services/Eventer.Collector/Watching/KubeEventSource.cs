using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Eventer.Collector.Mapping;
using Eventer.Contracts;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Eventer.Collector.Watching;

/// <summary>
/// Lists and watches Events through KubernetesClient. core/v1 goes through the CoreV1 operations
/// (not <c>ClientSet.CoreV1.Event</c>, which calls events.k8s.io).
/// </summary>
/// <remarks>
/// The client reads a list page in one piece, so one Event it cannot read (a timestamp outside
/// .NET's DateTime, a field of the wrong type) would fail every list, forever. Lists are therefore
/// fetched as JSON through the client's own <see cref="Kubernetes.HttpClient"/> and credentials
/// (bearer token, client certificate, CA) and read item by item: an unreadable item is skipped,
/// counted as a malformed line and logged once. A watch already skips unreadable lines; those that
/// fail on a value rather than on the JSON are reported as <see cref="JsonException"/> too, so they
/// are counted alike.
/// </remarks>
public sealed class KubeEventSource(Kubernetes client, KubeEventMapper mapper, string api, CollectorMetrics metrics, ILogger<KubeEventSource> logger)
    : IKubeEventSource
{
    public async Task<EventListPage> ListAsync(string? @namespace, string? continueToken, int limit, CancellationToken cancellationToken)
    {
        using var page = await GetAsync(ListUri(@namespace, continueToken, limit), cancellationToken);
        var items = new List<KubeEventObserved>();
        if (page.RootElement.TryGetProperty("items", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (Read(item) is { } occurrence)
                {
                    items.Add(occurrence);
                }
            }
        }

        var metadata = KubernetesJson.Deserialize<V1ListMeta>(page.RootElement.GetProperty("metadata"));
        return new EventListPage(items, metadata.ResourceVersion, metadata.ContinueProperty);
    }

    public async IAsyncEnumerable<WatchedEvent> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        void OnError(Exception ex) =>
            onError(ex is not JsonException && IsUnreadable(ex) ? new JsonException($"An Event could not be read: {ex.Message}", ex) : ex);

        if (api == KubeEventApis.EventsV1)
        {
            var stream = @namespace is null
                ? client.EventsV1.WatchListEventForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: cancellationToken)
                : client.EventsV1.WatchListNamespacedEventAsync(@namespace, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: cancellationToken);
            await foreach (var (type, e) in stream.WithCancellation(cancellationToken))
            {
                yield return new WatchedEvent(type, type == WatchEventType.Bookmark ? null : mapper.FromEventsV1(e), e.Metadata?.ResourceVersion);
            }
        }
        else
        {
            var stream = @namespace is null
                ? client.CoreV1.WatchListEventForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: cancellationToken)
                : client.CoreV1.WatchListNamespacedEventAsync(@namespace, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: cancellationToken);
            await foreach (var (type, e) in stream.WithCancellation(cancellationToken))
            {
                yield return new WatchedEvent(type, type == WatchEventType.Bookmark ? null : mapper.FromCoreV1(e), e.Metadata?.ResourceVersion);
            }
        }
    }

    /// <summary>What reading one Event throws when its content is wrong: bad JSON, a value out of range, a wrong type.</summary>
    private static bool IsUnreadable(Exception ex) => ex is JsonException or FormatException or ArgumentException or OverflowException;

    /// <summary>The same path and query the client's typed list operations use.</summary>
    private string ListUri(string? @namespace, string? continueToken, int limit)
    {
        var root = api == KubeEventApis.EventsV1 ? "apis/events.k8s.io/v1" : "api/v1";
        var path = @namespace is null ? $"{root}/events" : $"{root}/namespaces/{Uri.EscapeDataString(@namespace)}/events";
        var query = string.IsNullOrEmpty(continueToken)
            ? $"limit={limit.ToString(CultureInfo.InvariantCulture)}"
            : $"continue={Uri.EscapeDataString(continueToken)}&limit={limit.ToString(CultureInfo.InvariantCulture)}";
        return $"{path}?{query}";
    }

    /// <summary>A GET as the client sends it: its HttpClient (TLS, client certificate), its credentials, its timeout.</summary>
    private async Task<JsonDocument> GetAsync(string relativeUri, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(client.HttpClientTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, relativeUri)) { Version = HttpVersion.Version20 };
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, timeout.Token);
        }

        using var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            // As the typed operations throw it (the watcher relists on a 410), without the request and its Authorization header.
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            throw new HttpOperationException($"Operation returned an invalid status code '{response.StatusCode}'")
            {
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        return await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token);
    }

    private KubeEventObserved? Read(JsonElement item)
    {
        try
        {
            return api == KubeEventApis.EventsV1
                ? mapper.FromEventsV1(KubernetesJson.Deserialize<Eventsv1Event>(item))
                : mapper.FromCoreV1(KubernetesJson.Deserialize<Corev1Event>(item));
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            metrics.MalformedLine();
            logger.LogWarning("Skipped an Event the list could not read: {EventUid} in {Namespace} ({Error}: {Reason})",
                Peek(item, "uid"), Peek(item, "namespace"), ex.GetType().Name, ex.Message);
            return null;
        }
    }

    /// <summary>metadata.<paramref name="field"/> of an unreadable item, when that much can be read.</summary>
    private static string Peek(JsonElement item, string field)
    {
        try
        {
            return item.ValueKind == JsonValueKind.Object && item.TryGetProperty("metadata", out var metadata)
                && metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty(field, out var value)
                && value.ValueKind == JsonValueKind.String
                ? StorableText.Clean(value.GetString())
                : "(unknown)";
        }
        catch (InvalidOperationException)
        {
            return "(unreadable)"; // e.g. a lone surrogate escape
        }
    }
}
