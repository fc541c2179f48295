using System.Globalization;
using System.Net;

namespace Eventer.SimCluster;

/// <summary>The command line: how fast, how many, where to listen, where the kubeconfig goes.</summary>
public sealed record SimOptions
{
    public const string Usage = """
        usage: Eventer.SimCluster [--demo | --rate R [--duration S] | --burst N] [options]

          --demo             a few events a second, forever (the default)
          --rate R           R changes a second (new events and repeats), for --duration seconds or forever
          --burst N          N changes as fast as possible, then keep serving
          --api API         core/v1 (the default) or events.k8s.io/v1: the shape of every Event, as the collector watches one of them
          --ttl S            delete events S seconds after they were created (the API server's --event-ttl); default 3600
          --listen ADDRESS   where to listen; default 127.0.0.1 (0.0.0.0 in a container)
          --port P           default 16443
          --kubeconfig PATH  where to write the kubeconfig for the collector; default ./simcluster.kubeconfig
          --server-url URL   the server address written into the kubeconfig (e.g. http://simcluster:16443 in compose)
          --seed N           the mix's random seed; default 1
        """;

    public double Rate { get; init; } = 3;

    /// <summary>The API every Event is written in (a collector watches one of them).</summary>
    public string Api { get; init; } = "core/v1";

    public long? Burst { get; init; }

    public TimeSpan? Duration { get; init; }

    public TimeSpan Ttl { get; init; } = TimeSpan.FromHours(1);

    public IPAddress Listen { get; init; } = IPAddress.Loopback;

    public int Port { get; init; } = 16443;

    public string Kubeconfig { get; init; } = "simcluster.kubeconfig";

    public string? ServerUrl { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Reads the command line; a bad one is an error that says which flag and why.</summary>
    public static SimOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SimOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            double Number(double min, double max)
            {
                var text = Value();
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n
                    : throw new ArgumentException($"{flag} must be a number from {min} to {max}, not '{text}'");
            }

            options = flag switch
            {
                "--demo" => options with { Rate = 3, Burst = null },
                "--rate" => options with { Rate = Number(0.01, 1_000_000), Burst = null },
                "--burst" => options with { Burst = (long)Number(1, 100_000_000) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number(1, 31_536_000)) },
                "--api" => options with { Api = Value() is var api && api is "core/v1" or "events.k8s.io/v1" ? api : throw new ArgumentException("--api must be core/v1 or events.k8s.io/v1") },
                "--ttl" => options with { Ttl = TimeSpan.FromSeconds(Number(1, 31_536_000)) },
                "--listen" => options with { Listen = IPAddress.TryParse(Value(), out var address) ? address : throw new ArgumentException($"--listen must be an IP address") },
                "--port" => options with { Port = (int)Number(0, 65535) },
                "--kubeconfig" => options with { Kubeconfig = Value() },
                "--server-url" => options with { ServerUrl = Uri.TryCreate(Value(), UriKind.Absolute, out var url) ? url.ToString() : throw new ArgumentException("--server-url must be an absolute URL") },
                "--seed" => options with { Seed = (int)Number(0, int.MaxValue) },
                _ => throw new ArgumentException($"unknown flag '{flag}'"),
            };
        }

        return options;
    }
}
