using System.Collections.Concurrent;
using System.Diagnostics;
using Eventer.Testing;
using Eventer.Testing.Elasticsearch;

namespace Eventer.EsIndexer.Tests.Consumers;

/// <summary>The bulk request is a span in the trace the observation started.</summary>
[Trait("Category", "Integration")]
public sealed class TracingTests
{
    [Fact]
    public async Task The_bulk_span_is_in_the_trace_of_the_published_observation()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            // MassTransit too, as an exporting service does: without a listener it makes no send
            // span, and so puts no trace header on the message (services trace only with OTLP).
            ShouldListenTo = source => source.Name is "Eventer.EsIndexer" or "Test.Observation" or "MassTransit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var observations = new ActivitySource("Test.Observation");
        await using var elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8);
        await using var indexer = await EsIndexerTestHost.StartAsync(elasticsearch.Address.ToString());

        ActivityTraceId trace;
        using (var observation = observations.StartActivity("observe", ActivityKind.Producer)!)
        {
            trace = observation.TraceId;
            await indexer.PublishAsync([EsSamples.Seed()]);
        }

        // The listener is process-wide: other tests' bulks are seen too, so look for this trace's.
        await Eventually.HoldsAsync(() => spans.Any(s => s.OperationName == "es bulk" && s.TraceId == trace), TimeSpan.FromSeconds(60),
            "a bulk span in the trace of the observation");
        var bulk = spans.First(s => s.OperationName == "es bulk" && s.TraceId == trace);
        Assert.Equal(ActivityKind.Client, bulk.Kind);
        Assert.Equal("elasticsearch", bulk.GetTagItem("db.system"));
        Assert.Equal(1, bulk.GetTagItem("db.operation.batch.size"));
    }
}
