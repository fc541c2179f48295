using System.Globalization;
using System.Runtime.InteropServices;

namespace Eventer.Testing;

/// <summary>
/// CPU time spent on this host, read from <c>/proc</c>: by the machine as a whole, and by every
/// process of one name — the broker (<c>beam.smp</c>) or PostgreSQL (<c>postgres</c>), which the
/// bench does not start and so cannot ask through a <see cref="System.Diagnostics.Process"/>.
/// </summary>
public static class HostCpu
{
    private const int ScClkTck = 2; // _SC_CLK_TCK in glibc's unistd.h

    /// <summary>The unit of /proc's CPU figures (USER_HZ; 100 on common Linux builds).</summary>
    public static readonly double TicksPerSecond = OperatingSystem.IsLinux() ? Sysconf(ScClkTck) : 100;

    /// <summary>
    /// CPU time of every running process named <paramref name="comm"/>, with what its reaped
    /// children spent: PostgreSQL's postmaster reaps the backends, so a connection closed between two
    /// readings is still counted (in the postmaster's <c>cutime</c>) rather than lost.
    /// </summary>
    public static TimeSpan OfProcessesNamed(string comm, string procRoot = "/proc")
    {
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories(procRoot))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                || ReadOrNull(Path.Combine(directory, "stat")) is not { } stat
                || ParseStat(stat) is not { } process
                || process.Comm != comm)
            {
                continue;
            }

            ticks += process.OwnTicks + process.ChildrenTicks;
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>CPU time the whole machine spent busy (every core; idle and I/O wait excluded), from <c>/proc/stat</c>.</summary>
    public static TimeSpan Machine(string procRoot = "/proc")
    {
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is within user)
        var fields = File.ReadLines(Path.Combine(procRoot, "stat")).First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields[0] != "cpu")
        {
            throw new InvalidDataException($"{procRoot}/stat does not start with the machine's cpu line: '{fields[0]}'");
        }

        long Field(int i) => i < fields.Length ? long.Parse(fields[i], CultureInfo.InvariantCulture) : 0;
        var busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
        return TimeSpan.FromSeconds(busy / TicksPerSecond);
    }

    /// <summary>A process's name and CPU ticks from its stat line; null when the line is not one.</summary>
    public static (string Comm, long OwnTicks, long ChildrenTicks)? ParseStat(string line)
    {
        // "pid (comm) state ppid …": comm may itself hold spaces and parentheses, so it ends at the last ')'.
        var open = line.IndexOf('(');
        var close = line.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        var rest = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // rest[0] is field 3 (state); utime, stime, cutime and cstime are fields 14 to 17.
        if (rest.Length < 15)
        {
            return null;
        }

        long Field(int number) => long.Parse(rest[number - 3], CultureInfo.InvariantCulture);
        return (line[(open + 1)..close], Field(14) + Field(15), Field(16) + Field(17));
    }

    /// <summary>A process may end between listing /proc and reading its stat.</summary>
    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long Sysconf(int name);
}
