using System.ComponentModel.DataAnnotations;
using Eventer.ServiceDefaults;

namespace Eventer.Archive;

/// <summary>How the archive batches its writes (section <c>Archive:Batch</c>).</summary>
public sealed class ArchiveBatchOptions
{
    public const string Section = "Archive:Batch";

    /// <summary>Most messages written in one statement.</summary>
    [Range(1, 1000)]
    public int MessageLimit { get; set; } = 100;

    /// <summary>How long a batch waits to fill before it is written anyway.</summary>
    [TimeSpanRange("00:00:00.001", "00:01:00")]
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest pause between attempts to write a batch while PostgreSQL is unreachable.</summary>
    [TimeSpanRange("00:00:00.100", "00:10:00")]
    public TimeSpan MaxDatabaseRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Batches written at the same time.</summary>
    [Range(1, 16)]
    public int ConcurrencyLimit { get; set; } = 2;
}
