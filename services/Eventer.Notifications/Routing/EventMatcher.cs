using System.Text.RegularExpressions;
using Eventer.Contracts;

namespace Eventer.Notifications.Routing;

/// <summary>A compiled <see cref="MatchOptions"/>.</summary>
public sealed class EventMatcher
{
    /// <summary>A pathological pattern must not stall the queue; a match that times out counts as no match.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private readonly List<(Func<KubeEventObserved, string?> Field, Regex Pattern)> _fields = [];

    public EventMatcher(MatchOptions options)
    {
        foreach (var (name, pattern, field) in Fields(options))
        {
            _fields.Add((field, Compile(name, pattern)));
        }
    }

    public bool Matches(KubeEventObserved occurrence)
    {
        try
        {
            return _fields.All(f => f.Field(occurrence) is { } value && f.Pattern.IsMatch(value));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Every pattern that does not compile, named by its key below the match.</summary>
    public static IEnumerable<ConfigProblem> Problems(MatchOptions options)
    {
        foreach (var (name, pattern, _) in Fields(options))
        {
            string? problem = null;
            try
            {
                // Compiled exactly as the matcher will: a pattern valid alone may not be once anchored.
                _ = Compile(name, pattern);
            }
            catch (ArgumentException ex)
            {
                problem = $"'{pattern}' is not a valid regular expression ({ex.Message})";
            }

            if (problem is not null)
            {
                yield return new ConfigProblem(name, problem);
            }
        }
    }

    /// <summary>The involved object's namespace, or the Event's when the object is cluster-scoped.</summary>
    public static string NamespaceOf(KubeEventObserved e) =>
        string.IsNullOrEmpty(e.InvolvedObject.Namespace) ? e.EventNamespace : e.InvolvedObject.Namespace;

    private static IEnumerable<(string Name, string Pattern, Func<KubeEventObserved, string?> Field)> Fields(MatchOptions o)
    {
        (string, string?, Func<KubeEventObserved, string?>)[] fields =
        [
            (nameof(o.Type), o.Type, e => e.Type),
            (nameof(o.Cluster), o.Cluster, e => e.Cluster),
            (nameof(o.Namespace), o.Namespace, NamespaceOf),
            (nameof(o.Kind), o.Kind, e => e.InvolvedObject.Kind),
            (nameof(o.Name), o.Name, e => e.InvolvedObject.Name),
            (nameof(o.Reason), o.Reason, e => e.Reason),
            (nameof(o.Message), o.Message, e => e.Message),
        ];
        foreach (var (name, pattern, field) in fields)
        {
            if (!string.IsNullOrEmpty(pattern))
            {
                yield return (name, pattern, field);
            }
        }

        foreach (var (label, pattern) in o.Labels)
        {
            yield return ($"Labels:{label}", pattern, e => e.Labels.TryGetValue(label, out var value) ? value : null);
        }
    }

    private static Regex Compile(string field, string pattern) =>
        field == nameof(MatchOptions.Message) ? Searching(pattern) : Whole(pattern);

    private static Regex Whole(string pattern) => new($"^(?:{pattern})$", RegexOptions.CultureInvariant, MatchTimeout);

    private static Regex Searching(string pattern) => new(pattern, RegexOptions.CultureInvariant, MatchTimeout);
}
