namespace Eventer.ServiceDefaults;

/// <summary>Names of eventer's own ActivitySources and Meters, so every service is picked up by one pattern.</summary>
public static class EventerTelemetry
{
    /// <summary>Every eventer ActivitySource is named <c>Eventer.&lt;Service&gt;</c>.</summary>
    public const string ActivitySourcePattern = "Eventer.*";

    /// <summary>Every eventer Meter is named <c>Eventer.&lt;Service&gt;</c>.</summary>
    public const string MeterPattern = "Eventer.*";
}
