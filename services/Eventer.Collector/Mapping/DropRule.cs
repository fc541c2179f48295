using System.Text.RegularExpressions;
using Eventer.Contracts;

namespace Eventer.Collector.Mapping;

/// <summary>
/// One rule of <c>Collector:Drop</c>: an occurrence matching every field the rule sets is dropped at
/// the source, before the outbox and the bus (e.g. all Normal events of kube-system). Fields left
/// empty match anything; <see cref="Message"/> is a regular expression, the rest compare exactly.
/// </summary>
public sealed class DropRule
{
    /// <summary>How long one message may take to match: a pathological pattern must not stall the watch.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private Regex? _message;

    /// <summary><c>Normal</c> or <c>Warning</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The Event's namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>The involved object's kind, e.g. <c>Pod</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>The Event's reason, e.g. <c>Pulled</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>A regular expression searched in the Event's message.</summary>
    public string? Message { get; set; }

    public bool IsEmpty =>
        string.IsNullOrEmpty(Type) && string.IsNullOrEmpty(Namespace) && string.IsNullOrEmpty(Kind)
        && string.IsNullOrEmpty(Reason) && string.IsNullOrEmpty(Message);

    /// <summary>Why <see cref="Message"/> is not a usable pattern, or null when it is (or unset).</summary>
    public string? MessagePatternProblem()
    {
        if (string.IsNullOrEmpty(Message))
        {
            return null;
        }

        try
        {
            _ = new Regex(Message, RegexOptions.None, MatchTimeout);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"is not a valid regular expression ({ex.Message})";
        }
    }

    public bool Matches(KubeEventObserved occurrence)
    {
        if (!Same(Type, occurrence.Type) || !Same(Namespace, occurrence.EventNamespace)
            || !Same(Kind, occurrence.InvolvedObject.Kind) || !Same(Reason, occurrence.Reason))
        {
            return false;
        }

        if (string.IsNullOrEmpty(Message))
        {
            return true;
        }

        _message ??= new Regex(Message, RegexOptions.CultureInvariant, MatchTimeout);
        try
        {
            return _message.IsMatch(occurrence.Message);
        }
        catch (RegexMatchTimeoutException)
        {
            return false; // when in doubt, keep the event
        }
    }

    private static bool Same(string? wanted, string actual) => string.IsNullOrEmpty(wanted) || wanted == actual;
}
