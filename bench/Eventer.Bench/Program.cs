using Eventer.Bench;

// dotnet run -c Release --project bench/Eventer.Bench -- pipeline [--events N] [--rate R] [--duration S]
//                                                      [--memory-events N] [--phases 1,2,3] [--json PATH]
//                                                  relay [--events N] [--rounds R]
//                                                  tracker [--events N]
//                                                  round [--events N]
//                                                  document [--events N]
// Uses the RabbitMQ and PostgreSQL of the tests (EVENTER_TEST_RABBITMQ / EVENTER_TEST_POSTGRES),
// with a fresh virtual host and database per measurement.
var command = args.FirstOrDefault() ?? "relay";
var events = Option("--events", 20_000);
var rounds = Option("--rounds", 2);
switch (command)
{
    case "pipeline":
        return await PipelineBench.RunAsync(new PipelineOptions(
            Option("--events", 100_000),
            Option("--rate", 1_000),
            TimeSpan.FromSeconds(Option("--duration", 60)),
            Option("--memory-events", 1_000_000),
            Text("--json"),
            (Text("--phases") ?? "1,2,3").Split(',').Select(int.Parse).ToHashSet()));
    case "tracker":
        TrackerBench.Run(events);
        return 0;
    case "document":
        DocumentBench.Run(Option("--events", 100_000));
        return 0;
    case "round":
        await RoundBench.RunAsync(Option("--events", 20_000));
        return 0;
    case "relay":
        await RelayBench.RunAsync(events, rounds);
        return 0;
    default:
        await Console.Error.WriteLineAsync($"unknown command '{command}'; try: pipeline [--events N] [--rate R] [--duration S] [--memory-events N] [--phases 1,2,3] [--json PATH], relay [--events N] [--rounds R], tracker [--events N], round [--events N], document [--events N]");
        return 2;
}

string? Text(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : fallback;
}
