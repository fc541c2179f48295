using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
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
/// Lists and watches Events with KubernetesClient's connection and credentials, and its models for
/// reading them; the requests are the client's typed operations' (core/v1 at <c>api/v1</c>, not
/// <c>ClientSet.CoreV1.Event</c>, which calls events.k8s.io).
/// </summary>
/// <remarks>
/// Lists and watches are read here, item by item and line by line, rather than by the client's
/// typed operations: the client reads a list page in one piece, so one Event it cannot read (a
/// timestamp outside .NET's DateTime, a field of the wrong type) would fail every list, forever.
/// An unreadable list item is skipped, counted as a malformed line and logged; an unreadable watch
/// line is reported through the caller's onError as a <see cref="JsonException"/>, whether it fails
/// on the JSON or on a value, and skipped.
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

    /// <remarks>
    /// Read here rather than by the client's watcher, which decodes every line into a string and
    /// deserializes it twice (once to see whether it is a Status, once as the Event). Here a line
    /// stays UTF-8, is parsed once, and only a Status line is read again, as a Status.
    /// </remarks>
    public async IAsyncEnumerable<WatchedEvent> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // The client's timeout bounds the wait for the answer, not the watch: the server ends
            // that after timeoutSeconds, and the caller's token after a silence.
            timeout.CancelAfter(client.HttpClientTimeout);
            response = await SendAsync(WatchUri(@namespace, resourceVersion, timeoutSeconds), timeout.Token);
        }

        using (response)
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var reader = PipeReader.Create(stream);
            try
            {
                while (true)
                {
                    var read = await reader.ReadAsync(cancellationToken);
                    var buffer = read.Buffer;
                    while (NextLine(ref buffer, read.IsCompleted) is { } line)
                    {
                        if (ReadWatchLine(line, onError) is { } watched)
                        {
                            yield return watched;
                        }
                    }

                    reader.AdvanceTo(buffer.Start, buffer.End);
                    if (read.IsCompleted)
                    {
                        yield break;
                    }
                }
            }
            finally
            {
                await reader.CompleteAsync();
            }
        }
    }

    /// <summary>
    /// The next newline-terminated line of <paramref name="buffer"/> (without its newline), or, once
    /// the stream has ended, what is left; null when no whole line is buffered yet.
    /// </summary>
    private static ReadOnlySequence<byte>? NextLine(ref ReadOnlySequence<byte> buffer, bool ended)
    {
        while (true)
        {
            ReadOnlySequence<byte> line;
            if (buffer.PositionOf((byte)'\n') is { } newline)
            {
                line = buffer.Slice(0, newline);
                buffer = buffer.Slice(buffer.GetPosition(1, newline));
            }
            else if (ended && !buffer.IsEmpty)
            {
                line = buffer;
                buffer = buffer.Slice(buffer.End);
            }
            else
            {
                return null;
            }

            if (!IsBlank(line))
            {
                return line;
            }
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            if (segment.Span.IndexOfAnyExcept((byte)' ', (byte)'\r', (byte)'\t') >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// One watch line: an Event (mapped), a bookmark, or a Status (reported as the client reports
    /// it, a <see cref="KubernetesException"/>, with null returned). A line that cannot be read is
    /// reported as a <see cref="JsonException"/> and skipped.
    /// </summary>
    private WatchedEvent? ReadWatchLine(ReadOnlySequence<byte> line, Action<Exception> onError)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var item = root.GetProperty("object");
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"The watch line's object is {item.ValueKind}, not an object.");
            }

            if (item.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.ValueEquals("Status"))
            {
                onError(new KubernetesException(KubernetesJson.Deserialize<V1Status>(item)));
                return null;
            }

            var type = root.GetProperty("type").GetString() switch
            {
                "ADDED" => WatchedChange.Added,
                "MODIFIED" => WatchedChange.Modified,
                "DELETED" => WatchedChange.Deleted,
                "BOOKMARK" => WatchedChange.Bookmark,
                "ERROR" => throw new JsonException("An ERROR line without a Status."),
                var other => throw new JsonException($"Unknown watch event type '{other}'."),
            };
            var resourceVersion = item.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("resourceVersion", out var version) && version.ValueKind == JsonValueKind.String
                ? version.GetString()
                : null;
            return type == WatchedChange.Bookmark
                ? new WatchedEvent(type, null, resourceVersion)
                : new WatchedEvent(type, Map(item), resourceVersion);
        }
        catch (Exception ex) when (IsUnreadable(ex) || ex is KeyNotFoundException or InvalidOperationException)
        {
            onError(ex as JsonException ?? new JsonException($"An Event could not be read: {ex.Message}", ex));
            return null;
        }
    }

    private KubeEventObserved Map(JsonElement item) => api == KubeEventApis.EventsV1
        ? mapper.FromEventsV1(KubernetesJson.Deserialize<Eventsv1Event>(item))
        : mapper.FromCoreV1(KubernetesJson.Deserialize<Corev1Event>(item));

    /// <summary>What reading one Event throws when its content is wrong: bad JSON, a value out of range, a wrong type.</summary>
    private static bool IsUnreadable(Exception ex) => ex is JsonException or FormatException or ArgumentException or OverflowException;

    /// <summary>The same path and query the client's typed list operations use.</summary>
    private string ListUri(string? @namespace, string? continueToken, int limit)
    {
        var query = string.IsNullOrEmpty(continueToken)
            ? $"limit={limit.ToString(CultureInfo.InvariantCulture)}"
            : $"continue={Uri.EscapeDataString(continueToken)}&limit={limit.ToString(CultureInfo.InvariantCulture)}";
        return $"{EventsPath(@namespace)}?{query}";
    }

    /// <summary>The same path and query the client's typed watch operations use.</summary>
    private string WatchUri(string? @namespace, string resourceVersion, int timeoutSeconds) =>
        $"{EventsPath(@namespace)}?allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}"
        + $"&timeoutSeconds={timeoutSeconds.ToString(CultureInfo.InvariantCulture)}&watch=true";

    private string EventsPath(string? @namespace)
    {
        var root = api == KubeEventApis.EventsV1 ? "apis/events.k8s.io/v1" : "api/v1";
        return @namespace is null ? $"{root}/events" : $"{root}/namespaces/{Uri.EscapeDataString(@namespace)}/events";
    }

    /// <summary>A list page, read whole within the client's timeout.</summary>
    private async Task<JsonDocument> GetAsync(string relativeUri, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(client.HttpClientTimeout);
        using var response = await SendAsync(relativeUri, timeout.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        return await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token);
    }

    /// <summary>
    /// A GET as the client sends it: its HttpClient (TLS, client certificate), its credentials. Returns
    /// once the headers are in; an answer other than 2xx is thrown as the client's typed operations
    /// throw it (the watcher relists on a 410).
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(string relativeUri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, relativeUri)) { Version = HttpVersion.Version20 };
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            // Without the request and its Authorization header.
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpOperationException($"Operation returned an invalid status code '{response.StatusCode}'")
            {
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }
    }

    private KubeEventObserved? Read(JsonElement item)
    {
        try
        {
            return Map(item);
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
