using System.Net.Http.Json;
using System.Text.Json;
using Eventer.Archive;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Eventer.EndToEnd.Tests;

/// <summary>docs/adding-a-consumer.md, followed: the sample sink is small, runs on its own queue, and is backfilled by replay.</summary>
[Trait("Category", "EndToEnd")]
public sealed class SampleConsumerTests : IAsyncDisposable
{
    private const string ReplayToken = "replay-secret";
    private const string Since = "2020-01-01T00:00:00Z";
    private const string Until = "2030-01-01T00:00:00Z";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"eventer-sample-{Guid.NewGuid():N}.jsonl");

    [Fact]
    public void The_sample_consumer_is_at_most_forty_lines_of_its_own()
    {
        var sources = Directory.GetFiles(Path.Combine(Root(), "samples", "Eventer.JsonLinesSink"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

        var lines = sources.Sum(f => File.ReadAllLines(f).Length);

        Assert.InRange(lines, 10, 40);
    }

    [Fact]
    public void The_guide_shows_the_samples_code_as_it_is()
    {
        var guide = File.ReadAllText(Path.Combine(Root(), "docs", "adding-a-consumer.md")).ReplaceLineEndings("\n");
        var start = guide.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        var shown = guide[start..guide.IndexOf("```\n", start, StringComparison.Ordinal)];

        Assert.Equal(File.ReadAllText(Path.Combine(Root(), "samples", "Eventer.JsonLinesSink", "Program.cs")).ReplaceLineEndings("\n"), shown);
    }

    [Fact]
    public async Task The_sample_gets_new_occurrences_on_its_queue_and_the_past_by_replay_from_the_archive()
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("sample");
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("sample");
        await using var archive = ArchiveHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = postgres,
            ["Archive:ReplayToken"] = ReplayToken,
            ["Archive:ReplayQueues:0"] = "jsonl-sink",
        }));
        await archive.StartAsync();
        await archive.WaitUntilReadyAsync();
        var bus = archive.Services.GetRequiredService<IBus>();

        // Before the sink exists: only the archive has these.
        var past = Enumerable.Range(0, 5).Select(_ => ObservedSamples.Seed()).ToList();
        await PublishAsync(bus, past);
        await Eventually.HoldsAsync(async () => (await ArchivedAsync(archive)) == 5, Deadline, "the past archived");

        await using var sink = ServiceProcess.Start("Eventer.JsonLinesSink", new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["JsonLines:Path"] = _file,
        });
        await sink.WaitUntilReadyAsync();
        var present = Enumerable.Range(0, 3).Select(_ => ObservedSamples.Seed()).ToList();
        await PublishAsync(bus, present);
        await Eventually.HoldsAsync(() => Keys().Count == 3, Deadline, "new occurrences written by the sink");
        Assert.Equal(present.Select(OccurrenceKey.For).Order(), Keys().Order());
        // The archive batches its writes (200 ms) and the sink does not: replay only once it holds all eight.
        await Eventually.HoldsAsync(async () => (await ArchivedAsync(archive)) == 8, Deadline, "the new occurrences archived too");

        using var http = new HttpClient { BaseAddress = archive.Address() };
        http.DefaultRequestHeaders.Authorization = new("Bearer", ReplayToken);
        using var replay = await http.PostAsJsonAsync("/api/replay", new { queue = "jsonl-sink", since = Since, until = Until });
        Assert.True(replay.IsSuccessStatusCode, await replay.Content.ReadAsStringAsync());

        // Replay sends all eight again: the sink writes at least once, and the key tells the copies apart.
        await Eventually.HoldsAsync(() => Keys().Count == 11, Deadline, "the replayed occurrences written");
        Assert.Equal(past.Concat(present).Select(OccurrenceKey.For).Order(), Keys().Distinct().Order());
    }

    public ValueTask DisposeAsync()
    {
        File.Delete(_file);
        return ValueTask.CompletedTask;
    }

    private List<string> Keys() => File.Exists(_file)
        ? [.. File.ReadAllLines(_file).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()!)]
        : [];

    private static Task PublishAsync(IBus bus, IEnumerable<KubeEventObserved> messages) =>
        Task.WhenAll(messages.Select(m => bus.Publish(m, c => c.MessageId = OccurrenceKey.MessageIdFor(m))));

    private static async Task<long> ArchivedAsync(WebApplication archive)
    {
        using var http = new HttpClient { BaseAddress = archive.Address() };
        using var stats = JsonDocument.Parse(await http.GetStringAsync($"/api/stats?since={Since}&until={Until}"));
        return stats.RootElement.GetProperty("total").GetInt64();
    }

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "eventer.sln")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }
}
