namespace Eventer.DingTalkNotifier.Routing;

/// <summary>
/// One route (<c>DingTalk:Routes:&lt;i&gt;</c>): occurrences it matches are dropped or sent to a robot
/// with its mentions and template. The first matching route decides, unless it says
/// <see cref="Continue"/> (then later routes may send to other robots too).
/// </summary>
public sealed class RouteRule
{
    /// <summary>A name for logs, metrics, silences and error messages; defaults to <c>route-&lt;i&gt;</c>.</summary>
    public string? Name { get; set; }

    public MatchOptions Match { get; set; } = new();

    /// <summary>Matching occurrences are not sent anywhere.</summary>
    public bool Drop { get; set; }

    /// <summary>The robot to send to (a name under <c>DingTalk:Robots</c>).</summary>
    public string? Robot { get; set; }

    /// <summary>Mobile numbers to @-mention; DingTalk also needs them written in the text, which the notifier does.</summary>
    public List<string> AtMobiles { get; set; } = [];

    /// <summary>DingTalk user ids to @-mention.</summary>
    public List<string> AtUserIds { get; set; } = [];

    /// <summary>@-mention everyone in the group.</summary>
    public bool IsAtAll { get; set; }

    /// <summary>A Liquid template replacing the built-in alert text for this route.</summary>
    public string? Template { get; set; }

    /// <summary>Keep evaluating later routes after this one matched.</summary>
    public bool Continue { get; set; }

    public string DisplayName(int index) => string.IsNullOrWhiteSpace(Name) ? $"route-{index}" : Name;

    /// <summary>Problems with this route; keys start with ':' and are relative to the route.</summary>
    public IEnumerable<ConfigProblem> Problems(IEnumerable<string> robots)
    {
        foreach (var problem in EventMatcher.Problems(Match))
        {
            yield return problem with { Key = ":Match:" + problem.Key };
        }

        if (Drop && !string.IsNullOrEmpty(Robot))
        {
            yield return new ConfigProblem(":Drop", "drops what it matches, so it cannot also name a robot");
        }

        if (!Drop && string.IsNullOrEmpty(Robot))
        {
            yield return new ConfigProblem(":Robot", "is required unless the route drops what it matches");
        }

        if (!string.IsNullOrEmpty(Robot) && !robots.Contains(Robot))
        {
            yield return new ConfigProblem(":Robot", $"names robot '{Robot}', which is not configured");
        }

        if (Template is { Length: > 0 } && Rendering.AlertTemplates.ParseProblem(Template) is { } templateProblem)
        {
            yield return new ConfigProblem(":Template", templateProblem);
        }
    }
}
