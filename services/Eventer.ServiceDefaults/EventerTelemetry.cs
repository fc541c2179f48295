namespace Eventer.ServiceDefaults;

/// <summary>Names of eventer's own ActivitySources and Meters, so every service is picked up by one pattern.</summary>
public static class EventerTelemetry
{
    /// <summary>Every eventer ActivitySource is named <c>Eventer.&lt;Service&gt;</c>.</summary>
    public const string ActivitySourcePattern = "Eventer.*";

    /// <summary>Every eventer Meter is named <c>Eventer.&lt;Service&gt;</c>.</summary>
    public const string MeterPattern = "Eventer.*";

    /// <summary>
    /// Series (tag combinations) a metric keeps; more are counted together in one series tagged
    /// <c>otel_metric_overflow="true"</c>. Ours have tens.
    /// </summary>
    public const int MaxSeriesPerMetric = 500;
}
