using System.Text.RegularExpressions;
using Eventer.Testing;
using Eventer.Testing.DingTalk;
using Xunit.Abstractions;

namespace Eventer.DingTalkNotifier.Tests.Delivery;

[Trait("Category", "Integration")]
public sealed partial class StormTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_burst_of_500_Warnings_is_represented_in_full_without_one_rate_limit_answer()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("burst", secret: "SEC-burst");
        var settings = NotifierTestHost.OneRobot(fake, "burst", secret: "SEC-burst");
        // The default: a burst arriving within one interval is planned as a whole.
        settings["DingTalk:DispatchInterval"] = "00:00:02";
        // Repeats of one pod that land in a later round than their first wait for the window.
        settings["DingTalk:FoldWindow"] = "00:00:05";
        await using var notifier = await NotifierTestHost.StartAsync(settings);
        var now = DateTimeOffset.UtcNow;
        // 500 distinct occurrences: 10 namespaces x 5 reasons x 10 pods, one pod of each namespace
        // repeating (so some fold), as a rollout gone wrong looks.
        string[] reasons = ["BackOff", "Unhealthy", "FailedScheduling", "FailedMount", "Failed"];
        var burst = (
            from ns in Enumerable.Range(0, 10)
            from reason in reasons
            from pod in Enumerable.Range(0, 10)
            select NotifierSamples.Warning($"team-{ns}", pod < 2 ? $"web-{ns}" : $"web-{ns}-{pod}", reason, now.AddMilliseconds(pod))
                with { Occurrence = pod + 1 }).ToList();

        var started = DateTimeOffset.UtcNow;
        await Task.WhenAll(burst.Select(o => notifier.PublishAsync(o)));

        // Everything consumed and represented by an accepted message.
        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == 500,
            TimeSpan.FromMinutes(3), "all 500 occurrences sent");
        var attempts = fake.Attempts("burst");
        Assert.DoesNotContain(attempts, a => a.ErrCode == DingTalkErrors.SendTooFast);
        Assert.All(attempts, a => Assert.Equal(DingTalkErrors.Ok, a.ErrCode));
        var delivered = fake.Delivered("burst");
        output.WriteLine($"500 Warnings -> {delivered.Count} messages ({delivered.Count(d => SummaryTitle().IsMatch(d.Title!))} summaries, "
            + $"{delivered.Count(d => FoldedLine().IsMatch(d.Text))} folded), all sent {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s after the first publish");
        Assert.InRange(delivered.Count, 2, 40);
        // At most 20 in any minute, by the fake's clock.
        Assert.All(delivered, d => Assert.InRange(delivered.Count(o => o.ReceivedAt > d.ReceivedAt - FakeDingTalk.RateWindow && o.ReceivedAt <= d.ReceivedAt), 1, 20));
        // Read from the texts alone: singles count 1, folded alerts and summaries say how many.
        Assert.Equal(500, delivered.Sum(Represented));
        Assert.Contains(delivered, d => SummaryTitle().IsMatch(d.Title!));
        Assert.Equal(500, await notifier.CountAlertsAsync("disposition IN ('single', 'folded', 'summarised')"));
    }

    [Fact]
    public async Task Repeats_of_one_object_fold_into_one_alert_and_later_repeats_wait_for_the_fold_window()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("fold");
        var settings = NotifierTestHost.OneRobot(fake, "fold");
        settings["DingTalk:FoldWindow"] = "00:00:03";
        await using var notifier = await NotifierTestHost.StartAsync(settings);
        var crashing = NotifierSamples.Warning("shop", "web-1", "BackOff", DateTimeOffset.UtcNow);

        // Three occurrences land together: one alert standing for three.
        await Task.WhenAll(Enumerable.Range(1, 3).Select(i => notifier.PublishAsync(crashing with { Occurrence = i })));
        await Eventually.HoldsAsync(() => fake.Delivered("fold").Count == 1, TimeSpan.FromSeconds(30), "the first alert");
        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == 3, TimeSpan.FromSeconds(30), "3 occurrences sent");
        var first = fake.Delivered("fold")[0];

        // Two more right after: held until the window passes, then one alert for both.
        await notifier.PublishAsync(crashing with { Occurrence = 4 });
        await notifier.PublishAsync(crashing with { Occurrence = 5 });
        await Eventually.HoldsAsync(() => fake.Delivered("fold").Count == 2, TimeSpan.FromSeconds(30), "the folded alert");
        var second = fake.Delivered("fold")[1];

        Assert.Equal(3, Represented(first));
        Assert.Equal(2, Represented(second));
        Assert.Contains("- seen **5×**", second.Text);
        Assert.True(second.ReceivedAt - first.ReceivedAt >= TimeSpan.FromSeconds(2.9), "the repeats waited for the fold window");
    }

    [Fact]
    public async Task Old_occurrences_are_held_back_in_one_summary_while_fresh_ones_are_alerted()
    {
        await using var fake = await FakeDingTalk.StartAsync();
        fake.AddRobot("history");
        var settings = NotifierTestHost.OneRobot(fake, "history");
        settings["DingTalk:DispatchInterval"] = "00:00:01";
        settings["DingTalk:ArchiveUrl"] = "http://archive.example:8084/api/events";
        await using var notifier = await NotifierTestHost.StartAsync(settings);
        var now = DateTimeOffset.UtcNow;

        // What a collector's first list publishes: an hour of history, and one event of now.
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            notifier.PublishAsync(NotifierSamples.Warning("shop", $"old-{i}", "BackOff", now.AddMinutes(-60 + i)))));
        await notifier.PublishAsync(NotifierSamples.Warning("shop", "web-1", "Unhealthy", now));

        await Eventually.HoldsAsync(async () => await notifier.CountAlertsAsync("sent_at IS NOT NULL") == 31, TimeSpan.FromSeconds(30), "all sent");
        var delivered = fake.Delivered("history");
        Assert.Equal(2, delivered.Count);
        var heldBack = Assert.Single(delivered, d => d.Title == "30 older Warnings held back");
        Assert.Contains("http://archive.example:8084/api/events", heldBack.Text);
        Assert.Contains(delivered, d => d.Title == "Warning Unhealthy: Pod web-1");
        Assert.Equal(30, await notifier.CountAlertsAsync("disposition = 'held_back'"));
    }

    /// <summary>How many occurrences a delivered message says it stands for.</summary>
    private static int Represented(DingTalkMessage message)
    {
        if (SummaryTitle().Match(message.Title!) is { Success: true } summary)
        {
            return int.Parse(summary.Groups[1].Value);
        }

        return FoldedLine().Match(message.Text) is { Success: true } folded ? int.Parse(folded.Groups[1].Value) : 1;
    }

    [GeneratedRegex(@"^(\d+) (?:more|older) ")]
    private static partial Regex SummaryTitle();

    [GeneratedRegex(@"\n- (\d+) occurrences folded into this alert")]
    private static partial Regex FoldedLine();
}
