using System.Text.Json;
using Eventer.Contracts;
using Eventer.ServiceDefaults;
using MassTransit;

// A consumer service of its own: every occurrence as one JSON line in a file (JsonLines:Path).
return await EventerHost.RunAsync("jsonl-sink", () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults("jsonl-sink");
    builder.AddEventerConsumer<WriteJsonLine>("jsonl-sink");
    var app = builder.Build();
    app.MapServiceDefaults();
    return app;
});

/// <summary>
/// Appends each occurrence to the file. Delivery is at least once: a line may come twice
/// (after a crash, or a replay), and its "key" tells a reader which lines are the same occurrence.
/// </summary>
public sealed class WriteJsonLine(IConfiguration configuration) : IConsumer<KubeEventObserved>
{
    private static readonly SemaphoreSlim OneWriter = new(1, 1);

    public async Task Consume(ConsumeContext<KubeEventObserved> context)
    {
        var line = JsonSerializer.Serialize(new { key = OccurrenceKey.For(context.Message), @event = context.Message }, JsonSerializerOptions.Web);
        await OneWriter.WaitAsync(context.CancellationToken);
        try
        {
            await File.AppendAllTextAsync(configuration["JsonLines:Path"] ?? "events.jsonl", line + "\n", context.CancellationToken);
        }
        finally
        {
            OneWriter.Release();
        }
    }
}
