using System.Diagnostics;
using Eventer.Contracts;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Eventer.EsIndexer.Indexing;

/// <summary>
/// Indexes a batch of occurrences with as few <c>_bulk</c> requests as the byte cap allows, and
/// sees every item through: 201 and 409 are done; 429 and 5xx items (only those) are sent again
/// with back-off; a document the mapping refuses is dead-lettered with its reason while its
/// batch-mates go on. Whole-request failures throw <see cref="ElasticsearchUnavailableException"/>
/// so the batch waits in RabbitMQ.
/// </summary>
public sealed class BulkIndexer(
    ElasticsearchClient client,
    IndexLayout layout,
    ElasticsearchStatus status,
    EsIndexerMetrics metrics,
    IOptions<EsIndexerOptions> options,
    ILogger<BulkIndexer> logger)
{
    public static readonly ActivitySource ActivitySource = new("Eventer.EsIndexer");

    private const int MaxLinks = 32;

    /// <summary>
    /// Indexes <paramref name="messages"/>, each with the trace it was observed in; returns the
    /// ones that cannot even be dead-lettered (for the error queue) with their reason.
    /// </summary>
    public async Task<IReadOnlyList<(KubeEventObserved Message, string Reason)>> IndexAsync(
        IReadOnlyList<(KubeEventObserved Message, ActivityContext Trace)> messages, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxBulkBytes;
        var pending = new List<BulkItem>(messages.Count);
        foreach (var (message, trace) in messages)
        {
            var item = BulkItem.For(message, layout.TargetOf(message), trace);
            pending.Add(item.Lines.Length <= maxBytes ? item
                : DeadLetter(item, 413, "document_too_large", $"the document is {item.Lines.Length} bytes, more than EsIndexer:MaxBulkBytes ({maxBytes})"));
        }

        var round = new Round();
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), options.Value.MaxRetryInterval);
        while (pending.Count > 0)
        {
            if (round.Busy)
            {
                await Task.Delay(backoff.Next(), cancellationToken);
            }

            round = new Round { Unindexable = round.Unindexable };
            foreach (var chunk in Chunks(pending, maxBytes))
            {
                await SendAsync(chunk, round, cancellationToken);
            }

            pending = round.Next;
        }

        return round.Unindexable;
    }

    /// <summary>What one pass over the pending items leaves: items to send again (busy ones, new dead letters) and the unindexable.</summary>
    private sealed class Round
    {
        public List<BulkItem> Next { get; } = [];

        public List<(KubeEventObserved, string)> Unindexable { get; init; } = [];

        /// <summary>Elasticsearch answered 429/5xx for some item: wait before the next pass.</summary>
        public bool Busy { get; set; }
    }

    private async Task SendAsync(IReadOnlyList<BulkItem> chunk, Round round, CancellationToken cancellationToken)
    {
        var body = Concat(chunk);
        // A batch mixes traces: the request joins its first item's and links the others'.
        var links = chunk.Skip(1).Select(i => i.Trace).Where(t => t != default && t.TraceId != chunk[0].Trace.TraceId)
            .DistinctBy(t => t.TraceId).Take(MaxLinks).Select(t => new ActivityLink(t));
        using var activity = ActivitySource.StartActivity("es bulk", ActivityKind.Client,
            chunk[0].Trace != default ? chunk[0].Trace : Activity.Current?.Context ?? default, links: links);
        activity?.SetTag("db.system", "elasticsearch");
        activity?.SetTag("db.operation.name", "bulk");
        activity?.SetTag("db.operation.batch.size", chunk.Count);

        var started = Stopwatch.GetTimestamp();
        SearchAnswer answer;
        try
        {
            answer = await client.BulkAsync(body, cancellationToken);
        }
        catch (ElasticsearchUnavailableException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            Failed(ex.Message);
            throw;
        }

        metrics.BulkSent(body.Length, Stopwatch.GetElapsedTime(started));
        if (answer.Status == 413)
        {
            // Smaller than the server's http.max_content_length would have been better: halve it.
            if (chunk.Count > 1)
            {
                await SendAsync(chunk.Take(chunk.Count / 2).ToList(), round, cancellationToken);
                await SendAsync(chunk.Skip(chunk.Count / 2).ToList(), round, cancellationToken);
            }
            else
            {
                Settle(chunk[0], new ItemResult(413, "request_too_large", $"Elasticsearch refused a request of {body.Length} bytes with this document alone"), round);
            }

            return;
        }

        if (answer.Status is < 200 or >= 300)
        {
            var problem = ElasticsearchClient.Describe("a bulk request", answer);
            activity?.SetStatus(ActivityStatusCode.Error, problem);
            Failed(problem);
            throw new ElasticsearchUnavailableException(problem);
        }

        var results = BulkResponse.Parse(answer.Body, chunk.Count);
        for (var i = 0; i < chunk.Count; i++)
        {
            Settle(chunk[i], results[i], round);
        }

        if (results.FirstOrDefault(r => r.Outcome == ItemOutcome.ClusterRefused) is { } refused)
        {
            // Done items answer 409 next time; the rest waits with the batch until the cluster is fixed.
            var problem = $"Elasticsearch refused to write documents: {refused.Status} {refused.ErrorType}: {refused.ErrorReason}";
            Failed(problem);
            throw new ElasticsearchUnavailableException(problem);
        }

        status.Succeeded();
    }

    private void Failed(string problem)
    {
        metrics.RequestFailed();
        status.Failed(problem);
    }

    private void Settle(BulkItem item, ItemResult result, Round round)
    {
        switch (result.Outcome)
        {
            case ItemOutcome.Indexed when item.IsDeadLetter:
            case ItemOutcome.AlreadyPresent when item.IsDeadLetter:
                break;
            case ItemOutcome.Indexed:
                metrics.Indexed();
                break;
            case ItemOutcome.AlreadyPresent:
                metrics.AlreadyPresent();
                break;
            case ItemOutcome.Retry:
                metrics.Retried();
                round.Busy = true;
                round.Next.Add(item);
                break;
            case ItemOutcome.Rejected when item.IsDeadLetter:
                round.Unindexable.Add((item.Message, $"cannot be indexed, not even into {layout.DeadLetterIndex}: {result.Status} {result.ErrorType}: {result.ErrorReason}"));
                break;
            case ItemOutcome.Rejected:
                round.Next.Add(DeadLetter(item, result.Status, result.ErrorType ?? "unknown", result.ErrorReason ?? ""));
                break;
        }
    }

    private BulkItem DeadLetter(BulkItem item, int status, string type, string reason)
    {
        metrics.DeadLettered();
        logger.LogWarning("Occurrence {Occurrence} of {EventUid} in {Namespace} dead-lettered to {Index}: {Status} {ErrorType}: {Reason}",
            item.Message.Occurrence, item.Message.EventUid, item.Message.EventNamespace, layout.DeadLetterIndex, status, type, reason);
        return item.DeadLetter(layout.DeadLetterIndex, status, type, reason, options.Value.MaxBulkBytes / 2);
    }

    /// <summary>Consecutive items whose lines fit in <paramref name="maxBytes"/> together (each item alone fits).</summary>
    private static IEnumerable<IReadOnlyList<BulkItem>> Chunks(IReadOnlyList<BulkItem> items, int maxBytes)
    {
        var chunk = new List<BulkItem>();
        var bytes = 0;
        foreach (var item in items)
        {
            if (chunk.Count > 0 && bytes + item.Lines.Length > maxBytes)
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }

            chunk.Add(item);
            bytes += item.Lines.Length;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    private static byte[] Concat(IReadOnlyList<BulkItem> chunk)
    {
        var body = new byte[chunk.Sum(i => i.Lines.Length)];
        var offset = 0;
        foreach (var item in chunk)
        {
            item.Lines.CopyTo(body, offset);
            offset += item.Lines.Length;
        }

        return body;
    }
}
