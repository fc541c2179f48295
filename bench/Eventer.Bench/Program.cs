using Eventer.Bench;

// dotnet run -c Release --project bench/Eventer.Bench -- relay [--events N] [--rounds R]
//                                                  tracker [--events N]
// Uses the RabbitMQ and PostgreSQL of the tests (EVENTER_TEST_RABBITMQ / EVENTER_TEST_POSTGRES),
// with a fresh virtual host and database per measurement.
var command = args.FirstOrDefault() ?? "relay";
var events = Option("--events", 20_000);
var rounds = Option("--rounds", 2);
switch (command)
{
    case "tracker":
        TrackerBench.Run(events);
        return 0;
    case "relay":
        await RelayBench.RunAsync(events, rounds);
        return 0;
    default:
        await Console.Error.WriteLineAsync($"unknown command '{command}'; try: relay [--events N] [--rounds R], tracker [--events N]");
        return 2;
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : fallback;
}
