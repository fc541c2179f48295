using System.ComponentModel.DataAnnotations;
using Eventer.ServiceDefaults;

namespace Eventer.Archive.Persistence;

/// <summary>How long the archive keeps occurrences (section <c>Archive:Retention</c>).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Archive:Retention";

    /// <summary>Occurrences that happened longer ago than this are deleted.</summary>
    [TimeSpanRange("01:00:00", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the retention job runs.</summary>
    [TimeSpanRange("00:00:00.100", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement: small statements never hold ingestion up for long.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5000;
}
