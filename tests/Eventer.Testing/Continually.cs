using System.Diagnostics;

namespace Eventer.Testing;

/// <summary>
/// The other half of <see cref="Eventually"/>: that something does <em>not</em> happen. Absence has
/// no condition to wait for, so the condition is watched for a stated window and the check fails
/// the moment it breaks.
/// </summary>
/// <remarks>
/// The window is a length of time, so this is a sleep that looks while it waits: it proves nothing
/// about what would have happened after the window, or during it on a machine too busy to run the
/// code under test. Use it for properties that are about time (a lease kept across two of its
/// durations, a frozen connection that stays silent). Where the code under test reports progress
/// (rounds completed, messages consumed, attempts made), wait for that progress instead and then
/// assert that nothing more happened.
/// </remarks>
public static class Continually
{
    /// <summary>Polls <paramref name="condition"/> for <paramref name="window"/>; fails with <paramref name="what"/> as soon as it does not hold.</summary>
    public static async Task HoldsForAsync(Func<Task<bool>> condition, TimeSpan window, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (!await condition())
            {
                throw new InvalidOperationException(
                    $"Broken after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms of {window.TotalMilliseconds:0} ms: {what}");
            }

            if (Stopwatch.GetElapsedTime(started) >= window)
            {
                return;
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Polls <paramref name="condition"/> for <paramref name="window"/>; fails as soon as it does not hold.</summary>
    public static Task HoldsForAsync(Func<bool> condition, TimeSpan window, string what) =>
        HoldsForAsync(() => Task.FromResult(condition()), window, what);
}
