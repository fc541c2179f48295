using System.Diagnostics.Metrics;
using Eventer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Eventer.ServiceDefaults.Tests;

/// <summary>Spans cost CPU on every message: a service makes them only when it exports them.</summary>
[Trait("Category", "Unit")]
public sealed class TelemetryTests
{
    [Fact]
    public void Without_an_OTLP_endpoint_no_spans_are_made_and_metrics_still_are()
    {
        using var app = Build(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null });

        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.NotNull(app.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void With_an_OTLP_endpoint_spans_are_made()
    {
        using var app = Build(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317" });

        Assert.NotNull(app.Services.GetService<TracerProvider>());
        Assert.NotNull(app.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void A_metric_keeps_at_most_500_series_and_counts_the_rest_as_overflow()
    {
        var (kept, overflow) = Exported(
            "eventer.cardinality_test",
            meter =>
            {
                var counter = meter.CreateCounter<long>("eventer.cardinality_test");
                for (var i = 0; i < 600; i++)
                {
                    counter.Add(1, new KeyValuePair<string, object?>("target", $"target-{i}"));
                }
            },
            points => (points.Count(p => !IsOverflow(p)), points.Where(IsOverflow).Select(p => p.GetSumLong()).ToList()));

        // Without the limit all 600 are kept (2,000 points allocated per metric, for every metric).
        Assert.Equal(EventerTelemetry.MaxSeriesPerMetric, kept);
        Assert.Equal(600 - EventerTelemetry.MaxSeriesPerMetric, Assert.Single(overflow));
    }

    [Fact]
    public void A_histogram_keeps_the_buckets_its_instrument_advises()
    {
        // The series limit is a view over every instrument; a view must not replace advised buckets
        // (ASP.NET Core's and HttpClient's durations are in seconds and advise their own).
        var bounds = Exported(
            "eventer.bucket_test",
            meter => meter.CreateHistogram("eventer.bucket_test", unit: "s", description: null, tags: null,
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] }).Record(0.5),
            points =>
            {
                var bounds = new List<double>();
                foreach (var bucket in Assert.Single(points).GetHistogramBuckets())
                {
                    bounds.Add(bucket.ExplicitBound);
                }

                return bounds;
            });

        Assert.Equal([0.1, 1, double.PositiveInfinity], bounds);
    }

    /// <summary>
    /// Records on a meter the service defaults collect and reads <paramref name="metric"/>'s points
    /// through an in-memory exporter added beside Prometheus's.
    /// </summary>
    private static T Exported<T>(string metric, Action<Meter> record, Func<List<MetricPoint>, T> read)
    {
        var exported = new List<Metric>();
        var builder = WebApplication.CreateBuilder();
        builder.UseTestSettings(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null });
        builder.AddServiceDefaults("test-service");
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exported));
        using var app = new WebApplicationDisposer(builder.Build());
        // The provider listens from when it is resolved: what is recorded before is not counted.
        var provider = app.Services.GetRequiredService<MeterProvider>();
        using var meter = new Meter("Eventer.TelemetryTests");
        record(meter);
        provider.ForceFlush();
        var points = new List<MetricPoint>();
        foreach (var point in exported.Single(m => m.Name == metric).GetMetricPoints())
        {
            points.Add(point);
        }

        return read(points);
    }

    private static bool IsOverflow(MetricPoint point)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == "otel.metric.overflow")
            {
                return true;
            }
        }

        return false;
    }

    private static WebApplicationDisposer Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseTestSettings(settings);
        builder.AddServiceDefaults("test-service");
        return new WebApplicationDisposer(builder.Build());
    }

    /// <summary>WebApplication is only IAsyncDisposable; these tests never start it.</summary>
    private sealed class WebApplicationDisposer(WebApplication app) : IDisposable
    {
        public IServiceProvider Services => app.Services;

        public void Dispose() => app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
