using Eventer.Contracts;

namespace Eventer.ServiceDefaults;

/// <summary>What a consumer checks before it stores an occurrence under its key.</summary>
public static class OccurrenceChecks
{
    /// <summary>
    /// Why <paramref name="message"/> has no occurrence key (no cluster, no event uid, or no positive
    /// occurrence), or null when it has one. Such a message can never be stored idempotently.
    /// </summary>
    public static string? MissingKey(KubeEventObserved message) =>
        string.IsNullOrEmpty(message.Cluster) || string.IsNullOrEmpty(message.EventUid) || message.Occurrence < 1
            ? "KubeEventObserved without cluster, event uid or a positive occurrence has no occurrence key"
            : null;
}
