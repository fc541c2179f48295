using Eventer.Archive.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Eventer.Archive.Api;

/// <summary>
/// Sends stored occurrences to one queue, oldest first, a page at a time, under their original
/// MessageIds: receivers deduplicate on those, so a replay that is cut off can simply be run again.
/// </summary>
/// <remarks>
/// Sent through the exchange MassTransit binds to each receive queue (of the same name), never to
/// <c>queue:</c>, which would declare the queue: a consumer's queue has its own arguments
/// (single active consumer, quorum type), and a declaration that differs closes the channel with
/// PRECONDITION_FAILED, so the send would never complete. The queue must exist (see
/// <see cref="QueueCheck"/>), or the exchange would drop what it cannot route.
/// </remarks>
internal sealed class OccurrenceReplayer(ArchiveDbContext db, ISendEndpointProvider sendEndpoints)
{
    /// <summary>Header on every replayed message, so a receiver (or a person reading a queue) can tell.</summary>
    public const string ReplayedHeader = "eventer-replayed";

    public async Task<long> ReplayAsync(ReplayRequest request, int batchSize, CancellationToken cancellationToken)
    {
        var endpoint = await sendEndpoints.GetSendEndpoint(new Uri($"exchange:{request.Queue}"));
        var sent = 0L;
        KeysetCursor? after = null;
        while (true)
        {
            var rows = request.Filter.Apply(db.Occurrences.AsNoTracking());
            if (after is not null)
            {
                var (at, key) = (after.OccurredAt, after.OccurrenceKey);
                rows = rows.Where(o => EF.Functions.GreaterThan(ValueTuple.Create(o.OccurredAt, o.OccurrenceKey), ValueTuple.Create(at, key)));
            }

            var page = await rows
                .OrderBy(o => o.OccurredAt).ThenBy(o => o.OccurrenceKey)
                .Take(batchSize)
                .ToListAsync(cancellationToken);
            foreach (var row in page)
            {
                await endpoint.Send(row.ToMessage(), context =>
                {
                    context.MessageId = row.MessageId;
                    context.Headers.Set(ReplayedHeader, "true");
                }, cancellationToken);
                sent++;
            }

            if (page.Count < batchSize)
            {
                return sent;
            }

            after = new KeysetCursor(page[^1].OccurredAt, page[^1].OccurrenceKey);
        }
    }
}
