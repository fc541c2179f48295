using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Eventer.ServiceDefaults;

/// <summary>Hosting, telemetry and health shared by every eventer service.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The port every service serves health, metrics and its API on unless told otherwise (as kube-eventer did).</summary>
    public const int DefaultPort = 8084;

    /// <summary>Health-check tag: included in <c>/health/live</c>.</summary>
    public const string LiveTag = "live";

    /// <summary>Health-check tag: included in <c>/health/ready</c> (MassTransit tags its bus check the same way).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// JSON console logs, OpenTelemetry metrics (Prometheus always), traces and logs (traces only
    /// with OTLP, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), health checks, and the
    /// HTTP port: <c>--urls</c>/<c>ASPNETCORE_URLS</c> when given, else <c>Http:Port</c> (default 8084).
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            // ASPNETCORE_HTTP_PORTS (8080 in the .NET base images) would otherwise win over our default.
            builder.WebHost.UseUrls($"http://+:{HttpPort(builder.Configuration)}");
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m => m
                // Every metric stream allocates its points up front, 2,000 by default: 66-93 streams
                // held 9-13 MB of each service's live heap in the bench (a third of it), for metrics
                // whose tags (targets, reasons, routes, codes) come to tens of series.
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = EventerTelemetry.MaxSeriesPerMetric })
                .AddMeter(EventerTelemetry.MeterPattern, "MassTransit", "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        if (ExportsOtlp(builder.Configuration))
        {
            // Spans only when something receives them: a listener makes MassTransit, Npgsql and
            // HttpClient create and tag an activity per message, command and call — in the bench
            // 12–16 % of the archive's CPU, spent on spans nobody exported.
            telemetry.WithTracing(t => t
                .AddSource(EventerTelemetry.ActivitySourcePattern, "MassTransit", "Npgsql")
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperationalPath(http.Request.Path))
                .AddHttpClientInstrumentation());
            telemetry.UseOtlpExporter();
        }

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        return builder;
    }

    /// <summary>Maps <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c> (Prometheus text).</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", HealthOptions(LiveTag));
        app.MapHealthChecks("/health/ready", HealthOptions(ReadyTag));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static HealthCheckOptions HealthOptions(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = HealthResponse.WriteAsync,
    };

    /// <summary>
    /// <c>Http:Port</c>, or <see cref="DefaultPort"/> when unset. Parsed here rather than by the
    /// configuration binder, whose generic <c>GetValue</c> converts by reflection (the collector is
    /// compiled ahead of time).
    /// </summary>
    public static int HttpPort(IConfiguration configuration)
    {
        const string key = "Http:Port";
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultPort;
        }

        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new EventerConfigurationException(key, "must be a TCP port, 1-65535");
    }

    /// <summary>True when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names a collector: then traces, metrics and logs are exported over OTLP.</summary>
    public static bool ExportsOtlp(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    private static bool IsOperationalPath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
