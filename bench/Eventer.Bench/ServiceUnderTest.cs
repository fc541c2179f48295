using System.Diagnostics;
using System.Globalization;
using Eventer.Testing;

namespace Eventer.Bench;

/// <summary>
/// One service as its own Release-built process, so that memory and CPU are its own: its peak RSS
/// (sampled), its CPU time, and its Prometheus counters.
/// </summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ServiceProcess _process;
    private readonly Process _os;

    private ServiceUnderTest(string name, ServiceProcess process)
    {
        Name = name;
        _process = process;
        _os = Process.GetProcessById(process.Id);
    }

    public string Name { get; }

    /// <summary>Whether it runs as its native build (the collector, when one was published: <see cref="NativeBuild"/>).</summary>
    public bool IsNative => _process.IsNative;

    public long PeakRssBytes { get; private set; }

    public static async Task<ServiceUnderTest> StartAsync(string name, string project, IReadOnlyDictionary<string, string?> settings)
    {
        var service = new ServiceUnderTest(name, ServiceProcess.Start(project, settings));
        try
        {
            await service._process.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            return service;
        }
        catch
        {
            // Not ready is not kept: a bench that stops here must not leave the process running.
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads the resident set size now and keeps the peak.</summary>
    public void Sample()
    {
        _os.Refresh();
        PeakRssBytes = Math.Max(PeakRssBytes, _os.WorkingSet64);
    }

    /// <summary>The resident set size once started and idle (runtime, JIT and connections, no load yet).</summary>
    public long IdleRssBytes { get; private set; }

    private TimeSpan _cpuAtMark;

    /// <summary>CPU time since <see cref="MarkIdle"/>: the load's cost, without start-up (JIT, migrations).</summary>
    public TimeSpan CpuSinceMark
    {
        get
        {
            _os.Refresh();
            return _os.TotalProcessorTime - _cpuAtMark;
        }
    }

    /// <summary>Notes the idle RSS and the CPU spent so far, before any load.</summary>
    public void MarkIdle()
    {
        _os.Refresh();
        _cpuAtMark = _os.TotalProcessorTime;
        IdleRssBytes = _os.WorkingSet64;
    }

    /// <summary>The sum of a counter's series in <c>/metrics</c> (Prometheus names: dots become underscores, counters end in _total).</summary>
    public async Task<double> CounterAsync(string name)
    {
        var prefix = name.Replace('.', '_');
        var text = await Http.GetStringAsync(new Uri(_process.Address, "/metrics"));
        return text.Split('\n')
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && (l[prefix.Length] is ' ' or '{' || l[prefix.Length..].StartsWith("_total", StringComparison.Ordinal)))
            .Sum(Value);
    }

    /// <summary>The sample's value: the first token after the name and labels (a timestamp may follow).</summary>
    private static double Value(string line)
    {
        var rest = line[(line.Contains('}') ? line.LastIndexOf('}') + 1 : line.IndexOf(' '))..];
        return double.Parse(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
