using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Eventer.SimCluster;
using Eventer.Testing.Kubernetes;

// A simulated Kubernetes cluster for eventer: list/watch of core/v1 and events.k8s.io/v1 Events,
// a realistic mix of them, and a kubeconfig for the collector. See SimOptions.Usage.
SimOptions options;
try
{
    options = SimOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"simcluster: {ex.Message}\n\n{SimOptions.Usage}");
    return 2;
}

// Not disposed: ProcessExit may still cancel it while the process ends.
var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
// The fake API server is an ASP.NET Core host, whose console lifetime takes SIGTERM for itself (no
// ProcessExit follows): it stopped serving while the program went on making events, forever. SIGTERM
// (kill, a supervisor, deploy/local/up.sh) ends the program as Ctrl+C does.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

await using var api = await FakeKubeApiServer.StartAsync(options.Listen, options.Port);
// A watch may resume from the last 100,000 changes; older ones are compacted, as etcd does.
api.HistoryLimit = 100_000;
var server = options.ServerUrl ?? (options.Listen.Equals(IPAddress.Any) ? $"http://127.0.0.1:{api.Address.Port}" : api.Address.ToString());
await File.WriteAllTextAsync(options.Kubeconfig, api.Kubeconfig(server));
Console.WriteLine($"simcluster: serving Events at {server} (listening on {api.Address})");
Console.WriteLine($"simcluster: kubeconfig written to {Path.GetFullPath(options.Kubeconfig)}");
Console.WriteLine($"simcluster: run the collector with Collector__Kubeconfig={Path.GetFullPath(options.Kubeconfig)}");
Console.WriteLine(options.Burst is { } burst
    ? $"simcluster: making {burst} changes at once, then serving"
    : $"simcluster: {options.Rate} changes a second{(options.Duration is { } d ? $" for {d.TotalSeconds:0} s" : "")}; Ctrl+C stops");

var mix = new EventMix(api, options.Api == "core/v1" ? FakeKubeApiServer.CoreV1 : FakeKubeApiServer.EventsV1, options.Seed, options.Ttl);
var report = Task.Run(async () =>
{
    using var tick = new PeriodicTimer(TimeSpan.FromSeconds(10));
    var last = mix.Counts;
    try
    {
        while (await tick.WaitForNextTickAsync(stop.Token))
        {
            var now = mix.Counts;
            Console.WriteLine($"simcluster: {DateTime.UtcNow:HH:mm:ss} +{now.Added - last.Added} new, +{now.Repeated - last.Repeated} repeats, "
                + $"-{now.Deleted - last.Deleted} deleted ({now.Occurrences} occurrences so far)");
            last = now;
        }
    }
    catch (OperationCanceledException)
    {
        // Stopping.
    }
});

try
{
    if (options.Burst is { } count)
    {
        for (var i = 0L; i < count && !stop.IsCancellationRequested; i++)
        {
            mix.Next();
        }

        Console.WriteLine($"simcluster: burst done: {mix.Counts.Occurrences} occurrences ({mix.Counts.Added} events)");
        await Task.Delay(options.Duration ?? Timeout.InfiniteTimeSpan, stop.Token);
    }
    else
    {
        await PaceAsync(mix, options.Rate, options.Duration, stop.Token);
    }
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM.
}

stop.Cancel();
await report;
Console.WriteLine($"simcluster: stopped after {mix.Counts.Occurrences} occurrences ({mix.Counts.Added} events, {mix.Counts.Deleted} deleted)");
return 0;

// Keeps to the rate by the clock, not by sleeping a fixed time per change: a slow moment is caught up.
static async Task PaceAsync(EventMix mix, double rate, TimeSpan? duration, CancellationToken cancellationToken)
{
    var clock = Stopwatch.StartNew();
    var made = 0L;
    while (duration is not { } d || clock.Elapsed < d)
    {
        var due = (long)(clock.Elapsed.TotalSeconds * rate) + 1;
        for (; made < due; made++)
        {
            mix.Next();
        }

        await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(1000 / rate, 1, 200)), cancellationToken);
    }
}
