using System.Text;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Tests.Rendering;

[Trait("Category", "Unit")]
public sealed class AlertRendererTests
{
    private static readonly RobotOptions Robot = new() { Webhook = "https://oapi.dingtalk.com/robot/send?access_token=t" };
    private static readonly DateTimeOffset Now = new(2020, 2, 19, 13, 10, 0, TimeSpan.Zero);

    [Fact]
    public void The_seed_event_renders_as_pinned()
    {
        var rendered = Render(new NotifierOptions(), Single(NotifierSamples.Seed()));

        Assert.Equal("Warning PortAlreadyAllocated: Service my-sb-svc", rendered.Title);
        Assert.Equal("""
            #### ⚠️ Warning · PortAlreadyAllocated
            **prod-hz** › `default` › Service **my-sb-svc**

            > Port 666 was assigned to multiple services; please recreate service

            - seen **2416×** · first 2020-02-14 12:22 UTC · last 2020-02-19 13:08 UTC
            - from portallocator-repair-controller
            """.ReplaceLineEndings("\n"), rendered.Text);
        Assert.True(rendered.Mentions.IsNone);
    }

    [Fact]
    public void Hostile_event_text_cannot_inject_markup_links_or_mentions()
    {
        var hostile = NotifierSamples.Seed() with
        {
            Reason = "# Boom",
            Message = "**pwned** [click](http://evil.example/x) @all <font color=red>!</font>\n#### fake heading\n> `code` ![img](x) www.evil.com",
        };

        var rendered = Render(new NotifierOptions(), Single(hostile));

        Assert.Equal("""
            #### ⚠️ Warning · \# Boom
            **prod-hz** › `default` › Service **my-sb-svc**

            > \*\*pwned\*\* \[click\]\(http:​//evil.example/x\) @​all \<font color=red\>\!\</font\> \#\#\#\# fake heading \> \`code\` \!\[img\]\(x\) www​.evil.com

            - seen **2416×** · first 2020-02-14 12:22 UTC · last 2020-02-19 13:08 UTC
            - from portallocator-repair-controller
            """.ReplaceLineEndings("\n"), rendered.Text);
        Assert.DoesNotContain("@all", rendered.Text);
        Assert.DoesNotContain("://", rendered.Text);
        Assert.False(rendered.Mentions.IsAtAll);
    }

    [Fact]
    public void Times_are_shown_in_the_configured_zone_with_the_zone_written()
    {
        var rendered = Render(new NotifierOptions { TimeZone = "Asia/Shanghai" }, Single(NotifierSamples.Seed()));

        Assert.Contains("first 2020-02-14 20:22 +08:00 · last 2020-02-19 21:08 +08:00", rendered.Text);
    }

    [Fact]
    public void Mentions_are_sent_and_written_into_the_text()
    {
        var mentions = new Mentions(["13800000000"], ["manager01"], false);
        var rendered = Render(new NotifierOptions(), new PlannedAlert(AlertShape.Single, [NotifierSamples.Pending(NotifierSamples.Seed(), mentions: mentions)]));

        Assert.EndsWith("\n\n@13800000000 @manager01", rendered.Text);
        Assert.Equal(["13800000000"], rendered.Mentions.AtMobiles);
        Assert.Equal(["manager01"], rendered.Mentions.AtUserIds);
    }

    [Fact]
    public void The_robot_keyword_is_added_only_when_the_text_lacks_it()
    {
        var plain = Render(new NotifierOptions(), Single(NotifierSamples.Seed()), new RobotOptions { Webhook = Robot.Webhook, Keyword = "k8s-alert" });
        var present = Render(new NotifierOptions(), Single(NotifierSamples.Seed()), new RobotOptions { Webhook = Robot.Webhook, Keyword = "Port 666" });

        Assert.EndsWith("\n\nk8s-alert", plain.Text);
        Assert.EndsWith("- from portallocator-repair-controller", present.Text);
    }

    [Fact]
    public void A_keyword_the_cut_removed_from_the_text_is_added_again()
    {
        var options = new NotifierOptions { Routes = [new RobotRoute { Name = "tagged", Robot = "ops", Template = "{{ message }} k8s-alert" }] };
        var huge = NotifierSamples.Seed() with { Message = new string('x', 10_000) };
        var robot = new RobotOptions { Webhook = Robot.Webhook, Keyword = "k8s-alert" };

        var rendered = Render(options, new PlannedAlert(AlertShape.Single, [NotifierSamples.Pending(huge, route: "tagged")]), robot, maxBytes: 2_000);

        Assert.EndsWith(AlertRenderer.TruncationMarker + "\n\nk8s-alert", rendered.Text);
        Assert.InRange(Encoding.UTF8.GetByteCount(rendered.Text), 1_900, 2_000);
    }

    [Fact]
    public void A_link_template_that_fails_while_rendering_leaves_the_alert_without_a_link()
    {
        var options = new NotifierOptions { LinkTemplate = "https://kibana.example/?q={% for i in (1..1000000) %}{{ i }}{% endfor %}" };

        var rendered = Render(options, Single(NotifierSamples.Seed()));

        Assert.EndsWith("- from portallocator-repair-controller", rendered.Text);
    }

    [Fact]
    public void A_text_over_the_limit_is_cut_with_a_marker_and_keeps_its_mentions()
    {
        var huge = NotifierSamples.Seed() with { Message = string.Concat(Enumerable.Repeat("界*", 10_000)) };
        var mentions = new Mentions(["13800000000"], [], false);

        var rendered = Render(new NotifierOptions(), new PlannedAlert(AlertShape.Single, [NotifierSamples.Pending(huge, mentions: mentions)]), maxBytes: 5_000);

        Assert.InRange(Encoding.UTF8.GetByteCount(rendered.Text), 4_900, 5_000);
        Assert.EndsWith(AlertRenderer.TruncationMarker + "\n\n@13800000000", rendered.Text);
        Assert.StartsWith("#### ⚠️ Warning · PortAlreadyAllocated", rendered.Text);
        Assert.DoesNotContain("\\" + AlertRenderer.TruncationMarker, rendered.Text);
    }

    [Fact]
    public void The_link_template_gets_url_encoded_values_and_a_link_that_cannot_break_out()
    {
        var options = new NotifierOptions
        {
            LinkTemplate = "https://kibana.example/app/discover#/?_a=(query:'involvedObject.name:\"{{ name }}\" and namespace:{{ namespace }}')",
        };
        var e = NotifierSamples.Seed() with { InvolvedObject = NotifierSamples.Seed().InvolvedObject with { Name = "a b)(c" } };

        var rendered = Render(options, Single(e));

        Assert.EndsWith(
            "[Events for a b\\)\\(c](https://kibana.example/app/discover#/?_a=%28query:'involvedObject.name:\"a%20b%29%28c\"%20and%20namespace:default'%29)",
            rendered.Text);
    }

    [Fact]
    public void A_route_template_replaces_the_built_in_one_for_that_route_only()
    {
        var options = new NotifierOptions
        {
            Routes = [new RobotRoute { Name = "terse", Robot = "ops", Template = "{{ icon }} {{ reason }} on {{ kind }}/{{ name }} ×{{ count }} ({{ last_seen }})" }],
        };

        var terse = Render(options, new PlannedAlert(AlertShape.Single, [NotifierSamples.Pending(NotifierSamples.Seed(), route: "terse")]));
        var other = Render(options, Single(NotifierSamples.Seed()));

        Assert.Equal("⚠️ PortAlreadyAllocated on Service/my-sb-svc ×2416 (2020-02-19 13:08 UTC)", terse.Text);
        Assert.StartsWith("#### ⚠️ Warning · PortAlreadyAllocated", other.Text);
    }

    [Fact]
    public void A_route_template_that_fails_while_rendering_falls_back_to_the_built_in_one()
    {
        var options = new NotifierOptions
        {
            Routes = [new RobotRoute { Name = "runaway", Robot = "ops", Template = "{% for i in (1..1000000) %}{{ i }}{% endfor %}" }],
        };

        var rendered = Render(options, new PlannedAlert(AlertShape.Single, [NotifierSamples.Pending(NotifierSamples.Seed(), route: "runaway")]));

        Assert.StartsWith("#### ⚠️ Warning · PortAlreadyAllocated", rendered.Text);
    }

    [Fact]
    public void Folded_repeats_say_how_many_occurrences_the_alert_stands_for()
    {
        var first = NotifierSamples.Seed();
        var alerts = Enumerable.Range(0, 3).Select(i => NotifierSamples.Pending(first with { Occurrence = 2416 + i })).ToList();

        var rendered = Render(new NotifierOptions(), new PlannedAlert(AlertShape.Folded, alerts));

        Assert.Contains("- seen **2418×**", rendered.Text);
        Assert.Contains("\n- 3 occurrences folded into this alert\n", rendered.Text);
    }

    [Fact]
    public void A_storm_summary_counts_by_namespace_and_reason_with_a_few_names()
    {
        var at = Now.AddSeconds(-50);
        var alerts = new List<Eventer.Notifications.Persistence.PendingAlert>();
        alerts.AddRange(Enumerable.Range(0, 5).Select(i => NotifierSamples.Pending(NotifierSamples.Warning("shop", $"web-{i}", "BackOff", at))));
        alerts.AddRange(Enumerable.Range(0, 2).Select(i => NotifierSamples.Pending(
            NotifierSamples.Warning("shop", $"api-{i}", "Unhealthy", at.AddSeconds(i), "Readiness probe failed: HTTP 503"))));
        alerts.Add(NotifierSamples.Pending(NotifierSamples.Warning("batch", "job-1", "FailedScheduling", at, "0/3 nodes are available")));

        var rendered = Render(new NotifierOptions { ArchiveUrl = "http://archive.example:8084/api/events" }, new PlannedAlert(AlertShape.Summary, alerts));

        Assert.Equal("8 more Warnings", rendered.Title);
        Assert.Equal("""
            #### ⚠️ 8 more Warnings (since 13:09 UTC)

            **prod-hz** › `shop` · 7
            - BackOff ×5 — Pod web-0, web-1, web-2 and 2 more (Back-off restarting failed container)
            - Unhealthy ×2 — Pod api-0, api-1 (Readiness probe failed: HTTP 503)

            **prod-hz** › `batch` · 1
            - FailedScheduling ×1 — Pod job-1 (0/3 nodes are available)

            Every one of them: http://archive.example:8084/api/events
            """.ReplaceLineEndings("\n"), rendered.Text);
    }

    [Fact]
    public void Old_occurrences_are_held_back_in_one_note_that_mentions_nobody()
    {
        var old = Now.AddHours(-1);
        var alerts = Enumerable.Range(0, 3)
            .Select(i => NotifierSamples.Pending(NotifierSamples.Warning("shop", $"web-{i}", "BackOff", old.AddMinutes(i)), mentions: new Mentions(["13800000000"], [], true)))
            .ToList();

        var rendered = Render(new NotifierOptions(), new PlannedAlert(AlertShape.HeldBack, alerts));

        Assert.Equal("3 older Warnings held back", rendered.Title);
        Assert.StartsWith("""
            #### 🕘 3 older Warnings held back
            Last seen between 2020-02-19 12:10 UTC and 2020-02-19 12:12 UTC, more than 10 min before they reached the notifier
            """.ReplaceLineEndings("\n"), rendered.Text);
        Assert.Contains("- BackOff ×3 — Pod web-0, web-1, web-2 (Back-off restarting failed container)", rendered.Text);
        Assert.True(rendered.Mentions.IsNone);
        Assert.DoesNotContain("@", rendered.Text);
    }

    private static PlannedAlert Single(Contracts.KubeEventObserved e) => new(AlertShape.Single, [NotifierSamples.Pending(e)]);

    private static RenderedAlert Render(NotifierOptions options, PlannedAlert alert, RobotOptions? robot = null, int maxBytes = 19_000) =>
        new AlertRenderer(Options.Create(options)).Render(alert, robot ?? Robot, maxBytes);
}
