using Eventer.Archive.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Eventer.Archive.Api;

/// <summary>What the query and the replay select; every part is optional and they combine with AND.</summary>
public sealed record EventFilter
{
    public string? Cluster { get; init; }
    public string? Namespace { get; init; }
    public string? Kind { get; init; }
    public string? Name { get; init; }
    public string? Type { get; init; }
    public string? Reason { get; init; }

    /// <summary>Inclusive lower bound on occurred_at.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Exclusive upper bound on occurred_at.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Case-insensitive text the message must contain.</summary>
    public string? Text { get; init; }

    public IQueryable<StoredOccurrence> Apply(IQueryable<StoredOccurrence> rows)
    {
        if (Cluster is not null)
        {
            rows = rows.Where(o => o.Cluster == Cluster);
        }

        if (Namespace is not null)
        {
            rows = rows.Where(o => o.EventNamespace == Namespace);
        }

        if (Kind is not null)
        {
            rows = rows.Where(o => o.InvolvedKind == Kind);
        }

        if (Name is not null)
        {
            rows = rows.Where(o => o.InvolvedName == Name);
        }

        if (Type is not null)
        {
            rows = rows.Where(o => o.Type == Type);
        }

        if (Reason is not null)
        {
            rows = rows.Where(o => o.Reason == Reason);
        }

        if (Since is { } since)
        {
            rows = rows.Where(o => o.OccurredAt >= since);
        }

        if (Until is { } until)
        {
            rows = rows.Where(o => o.OccurredAt < until);
        }

        if (Text is not null)
        {
            var pattern = "%" + EscapeLike(Text) + "%";
            rows = rows.Where(o => EF.Functions.ILike(o.Message, pattern, @"\"));
        }

        return rows;
    }

    /// <summary>A user's '%' or '_' is text to find, not a wildcard.</summary>
    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal);
}
