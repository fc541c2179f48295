using System.ComponentModel.DataAnnotations;

namespace Eventer.ServiceDefaults;

/// <summary>Settings of the bus (section <c>Bus</c>); the broker address is <c>ConnectionStrings:rabbitmq</c>.</summary>
public sealed class EventerBusOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Bus";

    /// <summary>Overrides the service's queue name (e.g. to run a second archive on its own queue).</summary>
    [RegularExpression("^[A-Za-z0-9_.:-]{1,200}$", ErrorMessage = "must be 1-200 letters, digits, '-', '_', '.' or ':'")]
    public string? Queue { get; set; }

    /// <summary>Declare the service's queue as a quorum queue (replicated; for RabbitMQ clusters).</summary>
    public bool QuorumQueues { get; set; }

    /// <summary>How many unacknowledged messages the broker hands the service at once.</summary>
    [Range(1, 10_000)]
    public int PrefetchCount { get; set; } = 32;

    /// <summary>In-memory redeliveries of a failing message before it goes to <c>&lt;queue&gt;_error</c>.</summary>
    [Range(0, 20)]
    public int RetryLimit { get; set; } = 3;

    /// <summary>Pause between in-memory redeliveries.</summary>
    [TimeSpanRange("00:00:00", "00:05:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Messages seen before the kill switch may trip.</summary>
    [Range(1, 100_000)]
    public int KillSwitchActivationThreshold { get; set; } = 10;

    /// <summary>Share of failing messages that stops the endpoint (messages then stay queued).</summary>
    [Range(0.01, 1.0)]
    public double KillSwitchTripThreshold { get; set; } = 0.15;

    /// <summary>How long a tripped endpoint stays stopped before it tries again.</summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan KillSwitchRestartTimeout { get; set; } = TimeSpan.FromMinutes(1);
}
