using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Eventer.Archive.Api;

/// <summary>Settings of the archive's query and replay API (section <c>Archive</c>).</summary>
public sealed partial class ArchiveApiOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Archive";

    /// <summary>The queue-name rule MassTransit and RabbitMQ both accept (same as <c>Bus:Queue</c>).</summary>
    public const string QueueNamePattern = "^[A-Za-z0-9_.:-]{1,200}$";

    /// <summary>Bearer token that enables <c>POST /api/replay</c>; replay is disabled while it is empty.</summary>
    public string? ReplayToken { get; set; }

    /// <summary>The only queues replay may send to.</summary>
    public List<string> ReplayQueues { get; set; } = [];

    /// <summary>Largest <c>limit</c> a query may ask for.</summary>
    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 500;

    /// <summary>Rows read per database round trip while replaying, so memory stays bounded.</summary>
    [Range(1, 10_000)]
    public int ReplayBatchSize { get; set; } = 500;

    /// <summary>How many reasons and namespaces <c>/api/stats</c> lists (the most frequent).</summary>
    [Range(1, 1_000)]
    public int StatsTop { get; set; } = 20;

    /// <summary>Most occurrences <c>/api/events/{uid}</c> returns (the newest ones).</summary>
    [Range(1, 100_000)]
    public int MaxEventOccurrences { get; set; } = 10_000;

    /// <summary>The allow-list in effect: configuration binding appends to a default list, so the default lives here.</summary>
    public IReadOnlyList<string> EffectiveReplayQueues =>
        ReplayQueues.Count > 0 ? ReplayQueues : ["archive", "es-indexer", "dingtalk-notifier", "webhook-notifier"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var queue in ReplayQueues.Where(q => !IsQueueName(q)))
        {
            yield return new ValidationResult($"'{queue}' must be 1-200 letters, digits, '-', '_', '.' or ':'", [nameof(ReplayQueues)]);
        }
    }

    /// <summary>True when <paramref name="name"/> follows <see cref="QueueNamePattern"/>.</summary>
    public static bool IsQueueName(string name) => QueueName().IsMatch(name);

    [GeneratedRegex(QueueNamePattern)]
    private static partial Regex QueueName();
}
