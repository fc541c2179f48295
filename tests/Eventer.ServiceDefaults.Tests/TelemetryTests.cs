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
