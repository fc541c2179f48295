namespace Eventer.Notifications.Routing;

/// <summary>
/// What an occurrence must look like to match (<c>…:Match</c>). Every field set must match; unset
/// fields match anything. Fields are regular expressions matched against the whole value
/// (<c>kube-.*</c>, <c>BackOff|Unhealthy</c>), except <see cref="Message"/>, which is searched in the text.
/// </summary>
public sealed class MatchOptions
{
    /// <summary><c>Normal</c> or <c>Warning</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The cluster name the collector reports.</summary>
    public string? Cluster { get; set; }

    /// <summary>The involved object's namespace (the Event's, for cluster-scoped objects).</summary>
    public string? Namespace { get; set; }

    /// <summary>The involved object's kind, e.g. <c>Pod</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>The involved object's name.</summary>
    public string? Name { get; set; }

    /// <summary>The Event's reason, e.g. <c>BackOff</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>Searched in the Event's message.</summary>
    public string? Message { get; set; }

    /// <summary>The Event's labels: each key must be present with a value matching the pattern.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    public bool IsEmpty =>
        new[] { Type, Cluster, Namespace, Kind, Name, Reason, Message }.All(string.IsNullOrEmpty) && Labels.Count == 0;
}
