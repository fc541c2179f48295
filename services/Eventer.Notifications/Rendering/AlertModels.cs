namespace Eventer.Notifications.Rendering;

// What the Liquid templates see (snake_case names). Every text from an event is already escaped
// for the sink's format (DingTalk's markdown, Slack's mrkdwn, …) by the escape the sink gives
// AlertContent, so a template cannot forget to; a JSON sink gets the raw text and its `json` filter.

/// <summary>The model of <c>alert.liquid</c> and of a route's own template.</summary>
public sealed class EventAlertModel
{
    public string Icon { get; init; } = "";
    public string Type { get; init; } = "";
    public string Reason { get; init; } = "";
    public string Cluster { get; init; } = "";
    public string Namespace { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string FieldPath { get; init; } = "";
    public string Message { get; init; } = "";
    public int Count { get; init; }
    public int Folded { get; init; }
    public string FirstSeen { get; init; } = "";
    public string LastSeen { get; init; } = "";
    public string Source { get; init; } = "";
    public string EventName { get; init; } = "";
    public string EventUid { get; init; } = "";
    public string Link { get; init; } = "";
}

/// <summary>The model of <c>summary.liquid</c>: a storm summary, or the "held back" note about old events.</summary>
public sealed class SummaryModel
{
    public bool HeldBack { get; init; }
    public string Icon { get; init; } = "";
    public int Total { get; init; }
    public string Noun { get; init; } = "";
    public string Since { get; init; } = "";
    public string Oldest { get; init; } = "";
    public string Newest { get; init; } = "";
    public string MaxAge { get; init; } = "";
    public IReadOnlyList<SummaryGroup> Groups { get; init; } = [];
    public int MoreGroups { get; init; }
    public int MoreGroupsTotal { get; init; }
    public string ArchiveUrl { get; init; } = "";
}

/// <summary>The occurrences of one cluster and namespace in a summary.</summary>
public sealed class SummaryGroup
{
    public string Cluster { get; init; } = "";
    public string Namespace { get; init; } = "";
    public int Total { get; init; }
    public IReadOnlyList<SummaryLine> Lines { get; init; } = [];
}

/// <summary>One reason and kind in a summary group: how many, a few names, the latest message.</summary>
public sealed class SummaryLine
{
    public string Reason { get; init; } = "";
    public string Kind { get; init; } = "";
    public int Count { get; init; }
    public string Names { get; init; } = "";
    public string Message { get; init; } = "";
}

/// <summary>The model of the link template: raw values, URL-encoded.</summary>
public sealed class LinkModel
{
    public string Cluster { get; init; } = "";
    public string Namespace { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string Reason { get; init; } = "";
    public string EventUid { get; init; } = "";
    public string EventName { get; init; } = "";
    public string FirstSeen { get; init; } = "";
    public string LastSeen { get; init; } = "";
}
