using Eventer.Archive.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Eventer.Archive.Api;

/// <summary><c>GET /api/stats</c>: occurrence counts over a window (default: the last 24 hours), bounded.</summary>
internal static class StatsEndpoint
{
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);
    private static readonly string[] Parameters = ["since", "until"];

    public static async Task<IResult> GetAsync(HttpRequest request, ArchiveDbContext db, TimeProvider clock, IOptionsSnapshot<ArchiveApiOptions> options, CancellationToken cancellationToken)
    {
        var parser = QueryStringReader.Parser(request.Query, Parameters);
        var filter = parser.Filter();
        if (parser.Errors.Count > 0)
        {
            return Results.ValidationProblem(parser.Errors);
        }

        var until = filter.Until ?? clock.GetUtcNow();
        var since = filter.Since ?? until - DefaultWindow;
        if (until <= since)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["since"] = ["must be earlier than until (default: now)"] });
        }

        var rows = (filter with { Since = since, Until = until }).Apply(db.Occurrences.AsNoTracking());
        var top = options.Value.StatsTop;
        var total = await rows.LongCountAsync(cancellationToken);
        var byType = await Top(rows.GroupBy(o => o.Type), top, cancellationToken);
        var byReason = await Top(rows.GroupBy(o => o.Reason), top, cancellationToken);
        var byNamespace = await Top(rows.GroupBy(o => o.EventNamespace), top, cancellationToken);
        return Results.Ok(new ArchiveStats(since.UtcDateTime, until.UtcDateTime, total, byType, byReason, byNamespace));
    }

    private static async Task<List<StatsBucket>> Top(IQueryable<IGrouping<string, StoredOccurrence>> groups, int top, CancellationToken cancellationToken)
    {
        var buckets = await groups
            .Select(g => new { g.Key, Count = g.LongCount() })
            .OrderByDescending(b => b.Count).ThenBy(b => b.Key)
            .Take(top)
            .ToListAsync(cancellationToken);
        return buckets.ConvertAll(b => new StatsBucket(b.Key, b.Count));
    }
}

/// <summary>Counts over [<paramref name="Since"/>, <paramref name="Until"/>); each list holds at most <c>Archive:StatsTop</c> entries.</summary>
public sealed record ArchiveStats(DateTime Since, DateTime Until, long Total, IReadOnlyList<StatsBucket> ByType, IReadOnlyList<StatsBucket> ByReason, IReadOnlyList<StatsBucket> ByNamespace);

/// <summary>How many occurrences have <paramref name="Key"/>.</summary>
public sealed record StatsBucket(string Key, long Count);
