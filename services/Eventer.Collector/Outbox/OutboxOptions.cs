using System.ComponentModel.DataAnnotations;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Outbox;

/// <summary>The outbox between the watch and the bus (section <c>Collector:Outbox</c>).</summary>
public sealed class OutboxOptions : IValidatableObject
{
    public const string Section = "Collector:Outbox";

    /// <summary>Occurrences held in memory on their way to PostgreSQL; when full, the watch stops reading (backpressure).</summary>
    [Range(1, 100_000)]
    public int BufferCapacity { get; set; } = 1000;

    /// <summary>Occurrences written in one INSERT.</summary>
    [Range(1, 10_000)]
    public int WriteBatchSize { get; set; } = 500;

    /// <summary>Rows the relay reads, publishes and marks sent per round.</summary>
    [Range(1, 10_000)]
    public int RelayBatchSize { get; set; } = 1000;

    /// <summary>
    /// Publishes awaiting the broker's confirm at once. A killed collector may publish this many
    /// rows again (same MessageIds, which every consumer drops).
    /// </summary>
    [Range(1, 10_000)]
    public int PublishWindow { get; set; } = 500;

    /// <summary>
    /// Queues that must exist before anything is published (e.g. <c>archive</c>,
    /// <c>dingtalk-notifier</c>): on a fresh install every consumer then gets everything from the
    /// first event on, whatever order the services start in. Without it, a publish waits only until
    /// some queue is bound, and a consumer that starts later gets what is published after that.
    /// </summary>
    public List<string> AwaitQueues { get; set; } = [];

    /// <summary>How often the relay looks for rows nobody told it about (e.g. left by another replica).</summary>
    [TimeSpanRange("00:00:00.050", "00:10:00")]
    public TimeSpan RelayPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one publish may wait for the broker's confirm before its row is tried again.</summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long published rows are kept (for inspection) before they are purged.</summary>
    [TimeSpanRange("00:00:00", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often sent rows past <see cref="Retention"/> are purged, in batches.</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Upper bound of the pause between retries while PostgreSQL or RabbitMQ is down.</summary>
    [TimeSpanRange("00:00:00.100", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AwaitQueues.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("must not contain empty names", [nameof(AwaitQueues)]);
        }
    }
}

/// <summary>Validates <see cref="OutboxOptions"/> with code the options source generator writes (no reflection; the collector is compiled ahead of time).</summary>
[OptionsValidator]
internal sealed partial class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
}
