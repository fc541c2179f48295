namespace Eventer.Notifications.Routing;

/// <summary>
/// A silence (<c>(<c>DingTalk:Silences:&lt;i&gt;</c>)lt;Section(<c>DingTalk:Silences:&lt;i&gt;</c>)gt;:Silences:(<c>DingTalk:Silences:&lt;i&gt;</c>)lt;i(<c>DingTalk:Silences:&lt;i&gt;</c>)gt;</c>): until <see cref="Until"/>, occurrences it covers are
/// not sent — those a named route sends, those matching <see cref="Match"/>, or, with both, those
/// the route sends that also match.
/// </summary>
public sealed class SilenceOptions
{
    /// <summary>The name of the route to silence.</summary>
    public string? Route { get; set; }

    public MatchOptions Match { get; set; } = new();

    /// <summary>When the silence ends (ISO 8601 with an offset, e.g. <c>2026-12-01T08:00:00Z</c>).</summary>
    public DateTimeOffset? Until { get; set; }

    /// <summary>Why, and who: for the next person reading the configuration.</summary>
    public string? Comment { get; set; }

    public IEnumerable<ConfigProblem> Problems(IReadOnlySet<string> routes)
    {
        if (Until is null)
        {
            yield return new ConfigProblem(":Until", "is required (when the silence ends)");
        }

        if (string.IsNullOrEmpty(Route) && Match.IsEmpty)
        {
            yield return new ConfigProblem("", "names no route and matches everything; set Route or Match");
        }

        if (!string.IsNullOrEmpty(Route) && !routes.Contains(Route))
        {
            yield return new ConfigProblem(":Route", $"names route '{Route}', which is not configured");
        }

        foreach (var problem in EventMatcher.Problems(Match))
        {
            yield return problem with { Key = ":Match:" + problem.Key };
        }
    }
}
