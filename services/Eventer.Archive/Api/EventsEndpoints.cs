using Eventer.Archive.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Eventer.Archive.Api;

/// <summary><c>GET /api/events</c> (filtered, newest first, keyset paging) and <c>GET /api/events/{uid}</c>.</summary>
internal static class EventsEndpoints
{
    private const int DefaultLimit = 50;
    private static readonly string[] ListParameters = [.. FilterParser.FilterNames, "limit", "cursor"];
    private static readonly string[] EventParameters = ["cluster"];

    public static async Task<IResult> ListAsync(HttpRequest request, ArchiveDbContext db, IOptionsSnapshot<ArchiveApiOptions> options, CancellationToken cancellationToken)
    {
        var parser = QueryStringReader.Parser(request.Query, ListParameters);
        var filter = parser.Filter();
        var limit = QueryStringReader.Integer(request.Query, "limit", parser, DefaultLimit, 1, options.Value.MaxPageSize);
        KeysetCursor? cursor = null;
        if (request.Query.TryGetValue("cursor", out var cursorText) && cursorText.Count == 1
            && (cursor = KeysetCursor.TryDecode(cursorText[0] ?? "")) is null)
        {
            parser.Fail("cursor", "is not a cursor returned by this API (pass 'next' from the previous page unchanged)");
        }

        if (parser.Errors.Count > 0 || limit is not { } take)
        {
            return Results.ValidationProblem(parser.Errors);
        }

        var rows = filter.Apply(db.Occurrences.AsNoTracking());
        if (cursor is not null)
        {
            var (at, key) = (cursor.OccurredAt, cursor.OccurrenceKey);
            rows = rows.Where(o => EF.Functions.LessThan(ValueTuple.Create(o.OccurredAt, o.OccurrenceKey), ValueTuple.Create(at, key)));
        }

        // One row more than asked tells whether another page exists without a count.
        var page = await rows
            .OrderByDescending(o => o.OccurredAt).ThenByDescending(o => o.OccurrenceKey)
            .Take(take + 1)
            .ToListAsync(cancellationToken);
        var items = page.Take(take).ToList();
        var next = page.Count > take ? new KeysetCursor(items[^1].OccurredAt, items[^1].OccurrenceKey).Encode() : null;
        return Results.Ok(new EventPage(items.Select(OccurrenceItem.From).ToList(), next));
    }

    public static async Task<IResult> GetAsync(string uid, HttpRequest request, ArchiveDbContext db, IOptionsSnapshot<ArchiveApiOptions> options, CancellationToken cancellationToken)
    {
        var parser = QueryStringReader.Parser(request.Query, EventParameters);
        var cluster = parser.Filter().Cluster;
        if (parser.Errors.Count > 0)
        {
            return Results.ValidationProblem(parser.Errors);
        }

        var rows = db.Occurrences.AsNoTracking().Where(o => o.EventUid == uid);
        if (cluster is not null)
        {
            rows = rows.Where(o => o.Cluster == cluster);
        }

        var clusters = await rows.Select(o => o.Cluster).Distinct().Take(2).ToListAsync(cancellationToken);
        if (clusters.Count == 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Event not found",
                detail: cluster is null ? $"No occurrence of event {uid} is archived." : $"No occurrence of event {uid} in cluster {cluster} is archived.");
        }

        if (clusters.Count > 1)
        {
            return Results.ValidationProblem(
                new Dictionary<string, string[]> { ["cluster"] = ["is required: this uid is archived for more than one cluster"] });
        }

        // Newest first to cap the answer at the most recent ones, then turned oldest first.
        var max = options.Value.MaxEventOccurrences;
        var newest = await rows
            .OrderByDescending(o => o.Occurrence).ThenByDescending(o => o.OccurredAt)
            .Take(max + 1)
            .ToListAsync(cancellationToken);
        var occurrences = newest.Take(max).Reverse().Select(OccurrenceItem.From).ToList();
        return Results.Ok(new EventHistory(occurrences[^1], occurrences, newest.Count > max));
    }
}

/// <summary>A page of occurrences, newest first; <paramref name="Next"/> is null on the last page.</summary>
public sealed record EventPage(IReadOnlyList<OccurrenceItem> Items, string? Next);

/// <summary>An event's latest state and its occurrences, oldest first; <paramref name="Truncated"/> when older ones were left out.</summary>
public sealed record EventHistory(OccurrenceItem Event, IReadOnlyList<OccurrenceItem> Occurrences, bool Truncated);
