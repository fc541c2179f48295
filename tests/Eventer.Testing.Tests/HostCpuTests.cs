using System.Diagnostics;

namespace Eventer.Testing.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")] // /proc
public sealed class HostCpuTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hostcpu-").FullName;

    [Fact]
    public void A_stat_line_gives_its_name_its_own_ticks_and_its_reaped_childrens()
    {
        // Fields 14–17 (utime stime cutime cstime) are 7 11 13 17; the fields before them are distinct so a shifted index shows.
        var parsed = HostCpu.ParseStat(StatLine(42, "postgres: x (y) z", utime: 7, stime: 11, cutime: 13, cstime: 17));

        Assert.Equal(("postgres: x (y) z", 18L, 30L), parsed);
        Assert.Null(HostCpu.ParseStat("42 postgres S 1"));
        Assert.Null(HostCpu.ParseStat("42 (postgres) S 1 2 3"));
    }

    [Fact]
    public void Processes_of_one_name_are_summed_and_others_left_out()
    {
        Process(100, "postgres", utime: 100, stime: 50, cutime: 400, cstime: 50);
        Process(101, "postgres", utime: 30, stime: 20, cutime: 0, cstime: 0);
        Process(102, "beam.smp", utime: 9000, stime: 9000, cutime: 0, cstime: 0);
        Process(103, "postgres2", utime: 9000, stime: 0, cutime: 0, cstime: 0);
        Directory.CreateDirectory(Path.Combine(_root, "104")); // ended between listing and reading: no stat
        Directory.CreateDirectory(Path.Combine(_root, "self"));
        File.WriteAllText(Path.Combine(_root, "self", "stat"), StatLine(1, "postgres", 9000, 0, 0, 0));

        Assert.Equal(TimeSpan.FromSeconds(650 / HostCpu.TicksPerSecond), HostCpu.OfProcessesNamed("postgres", _root));
        Assert.Equal(TimeSpan.FromSeconds(18000 / HostCpu.TicksPerSecond), HostCpu.OfProcessesNamed("beam.smp", _root));
        Assert.Equal(TimeSpan.Zero, HostCpu.OfProcessesNamed("nothing", _root));
    }

    [Fact]
    public void The_machine_is_busy_for_all_but_idle_and_io_wait()
    {
        // user nice system idle iowait irq softirq steal guest guest_nice
        File.WriteAllText(Path.Combine(_root, "stat"), "cpu  1000 20 300 90000 5000 4 6 70 800 0\ncpu0 1 2 3 4 5 6 7 8 9 0\nintr 1 2\n");

        Assert.Equal(TimeSpan.FromSeconds(1400 / HostCpu.TicksPerSecond), HostCpu.Machine(_root));
    }

    [Fact]
    public async Task A_real_process_counts_the_cpu_of_children_it_has_reaped()
    {
        // A shell script is named after its file, and its subshell keeps the name: like a postmaster
        // and its backends. The busy subshell exits before the marker; the script then sleeps.
        var name = $"cpu{Guid.NewGuid():N}"[..12];
        var script = Path.Combine(_root, name);
        var marker = Path.Combine(_root, "burnt");
        File.WriteAllText(script, $"#!/bin/sh\n(i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done)\ntouch '{marker}'\nsleep 60\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var machineBefore = HostCpu.Machine();

        using var process = System.Diagnostics.Process.Start(new ProcessStartInfo(script) { UseShellExecute = false })!;
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(marker)), TimeSpan.FromSeconds(60), "the subshell to finish its loop");
            process.Refresh();
            var own = process.TotalProcessorTime;

            var counted = HostCpu.OfProcessesNamed(name);
            Assert.True(counted >= TimeSpan.FromSeconds(0.1), $"counted {counted.TotalSeconds} s for the script and its reaped subshell");
            Assert.True(own < TimeSpan.FromSeconds(0.1), $"the script itself ran {own.TotalSeconds} s: the loop was not in the child");
            Assert.True(HostCpu.Machine() - machineBefore >= TimeSpan.FromSeconds(0.1), "the machine was not busy while the loop ran");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Process(int pid, string comm, long utime, long stime, long cutime, long cstime)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        File.WriteAllText(Path.Combine(directory.FullName, "stat"), StatLine(pid, comm, utime, stime, cutime, cstime));
    }

    private static string StatLine(int pid, string comm, long utime, long stime, long cutime, long cstime) =>
        $"{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194304 101 102 103 104 {utime} {stime} {cutime} {cstime} 20 0 1 0 6076858 3133440 382\n";
}
