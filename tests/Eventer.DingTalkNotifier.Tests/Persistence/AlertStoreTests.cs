using Eventer.Contracts;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Rendering;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Eventer.Testing.Fixtures;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Eventer.DingTalkNotifier.Tests.Persistence;

[Trait("Category", "Integration")]
public sealed class AlertStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_inbox_takes_a_message_once_per_robot_however_often_it_is_added()
    {
        var store = await NewStoreAsync();
        var e = NotifierSamples.Warning("shop", "web-1", "BackOff", Now);

        Assert.Equal(1, await store.AddAsync([New(e, "ops")], Now, CancellationToken.None));
        Assert.Equal(0, await store.AddAsync([New(e, "ops"), New(e, "ops")], Now, CancellationToken.None));
        Assert.Equal(1, await store.AddAsync([New(e, "ops"), New(e, "payments")], Now, CancellationToken.None));

        Assert.Single(await store.PendingAsync("ops", 10, CancellationToken.None));
        Assert.Single(await store.PendingAsync("payments", 10, CancellationToken.None));
    }

    [Fact]
    public async Task Pending_alerts_come_back_in_order_with_their_summary_view_and_leave_once_marked_sent()
    {
        var store = await NewStoreAsync();
        var first = NotifierSamples.Seed() with
        {
            Message = new string('m', 300),
            Labels = new Dictionary<string, string> { ["app"] = "web" },
            Related = new KubeObjectReference { Kind = "Node", Name = "node-1" },
        };
        var second = NotifierSamples.Warning("shop", "web-1", "BackOff", Now);
        var mentions = new Mentions(["13800000000"], ["manager01"], true);
        await store.AddAsync([New(first, "ops", mentions, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")], Now, CancellationToken.None);
        await store.AddAsync([New(second, "ops")], Now, CancellationToken.None);

        var pending = await store.PendingAsync("ops", 10, CancellationToken.None);

        Assert.Equal([first.EventUid, second.EventUid], pending.Select(p => p.Event.EventUid));
        // A round reads only what planning and a summary use; the whole event is read for the one alert that shows it.
        var view = pending[0].Event;
        Assert.Equal(
            (first.Cluster, first.EventNamespace, first.EventName, first.Type, first.Reason, first.InvolvedObject.Kind, first.InvolvedObject.Namespace, first.InvolvedObject.Name),
            (view.Cluster, view.EventNamespace, view.EventName, view.Type, view.Reason, view.InvolvedObject.Kind, view.InvolvedObject.Namespace, view.InvolvedObject.Name));
        Assert.Equal(first.Message[..AlertStore.SummaryMessageLength], view.Message);
        Assert.Empty(view.Labels);
        Assert.Null(view.Related);
        var whole = await store.EventAsync(pending[0].Id, CancellationToken.None);
        Assert.Equal(first, whole! with { Labels = first.Labels, Annotations = first.Annotations });
        Assert.Equal(first.Labels, whole.Labels);
        Assert.Equal(OccurrenceKey.MessageIdFor(first), pending[0].MessageId);
        Assert.Equal(["13800000000"], pending[0].Mentions.AtMobiles);
        Assert.Equal(["manager01"], pending[0].Mentions.AtUserIds);
        Assert.True(pending[0].Mentions.IsAtAll);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", pending[0].TraceParent);
        Assert.Equal(AlertPlanner.FoldKeyOf(first), pending[0].FoldKey);
        Assert.Equal(first.LastTimestamp, pending[0].LastSeen);

        await store.MarkSentAsync([pending[0].Id], "single", Now, CancellationToken.None);

        Assert.Equal([second.EventUid], (await store.PendingAsync("ops", 10, CancellationToken.None)).Select(p => p.Event.EventUid));
        // Sent, but still in the inbox: adding it again adds nothing.
        Assert.Equal(0, await store.AddAsync([New(first, "ops")], Now, CancellationToken.None));
    }

    [Fact]
    public async Task A_summary_from_the_summary_view_says_what_one_from_the_whole_events_says()
    {
        var store = await NewStoreAsync();
        // Messages just under, at and over what a summary shows, one with letters outside the BMP
        // (PostgreSQL cuts characters, .NET UTF-16 units), an event of another namespace than its object's.
        string[] messages = [new string('a', 119), new string('b', 120), new string('c', 121), new string('d', 2000), string.Concat(Enumerable.Repeat("😀", 150)), "short"];
        var events = messages.Select((m, i) => NotifierSamples.Warning(i % 2 == 0 ? "shop" : "payments", $"web-{i % 3}", i < 3 ? "BackOff" : "Unhealthy", Now.AddSeconds(i), m)).ToList();
        events.Add(events[0] with { EventNamespace = "kube-system", InvolvedObject = events[0].InvolvedObject with { Namespace = "" }, Reason = "NodeNotReady" });
        await store.AddAsync([.. events.Select(e => New(e, "ops"))], Now, CancellationToken.None);

        var pending = await store.PendingAsync("ops", 100, CancellationToken.None);
        var whole = new List<PendingAlert>();
        foreach (var alert in pending)
        {
            whole.Add(alert with { Event = (await store.EventAsync(alert.Id, CancellationToken.None))! });
        }

        var renderer = new AlertRenderer(Microsoft.Extensions.Options.Options.Create(new NotifierOptions()));
        var robot = new RobotOptions { Webhook = "https://oapi.dingtalk.com/robot/send?access_token=t" };
        foreach (var shape in new[] { AlertShape.Summary, AlertShape.HeldBack })
        {
            var fromView = renderer.Render(new PlannedAlert(shape, pending), robot, 19_000);
            var fromWhole = renderer.Render(new PlannedAlert(shape, whole), robot, 19_000);
            Assert.Equal(fromWhole.Text, fromView.Text);
            Assert.Equal(fromWhole.Title, fromView.Title);
        }

        Assert.Contains("kube-system", renderer.Render(new PlannedAlert(AlertShape.Summary, pending), robot, 19_000).Text);
    }

    [Fact]
    public async Task Forgetting_removes_only_sent_alerts_older_than_the_cutoff_a_batch_at_a_time()
    {
        var store = await NewStoreAsync();
        var alerts = Enumerable.Range(0, 6).Select(i => New(NotifierSamples.Warning("shop", $"web-{i}", "BackOff", Now), "ops")).ToList();
        await store.AddAsync(alerts, Now, CancellationToken.None);
        var ids = (await store.PendingAsync("ops", 10, CancellationToken.None)).Select(p => p.Id).ToList();
        await store.MarkSentAsync(ids.Take(3), "single", Now.AddDays(-8), CancellationToken.None);
        await store.MarkSentAsync(ids.Skip(3).Take(2), "single", Now.AddDays(-1), CancellationToken.None);

        Assert.Equal(2, await store.ForgetSentBeforeAsync(Now.AddDays(-7), 2, CancellationToken.None));
        Assert.Equal(1, await store.ForgetSentBeforeAsync(Now.AddDays(-7), 2, CancellationToken.None));
        Assert.Equal(0, await store.ForgetSentBeforeAsync(Now.AddDays(-7), 2, CancellationToken.None));

        Assert.Equal([ids[5]], (await store.PendingAsync("ops", 10, CancellationToken.None)).Select(p => p.Id));
        Assert.Equal(0, await store.AddAsync([alerts[3]], Now, CancellationToken.None));
        Assert.Equal(1, await store.AddAsync([alerts[0]], Now, CancellationToken.None));
    }

    [Fact]
    public async Task Recent_sends_are_one_time_per_accepted_message_without_the_failed_ones()
    {
        var store = await NewStoreAsync();
        var alerts = Enumerable.Range(0, 5).Select(i => New(NotifierSamples.Warning("shop", $"web-{i}", "BackOff", Now), i < 4 ? "ops" : "payments")).ToList();
        await store.AddAsync(alerts, Now, CancellationToken.None);
        var ops = (await store.PendingAsync("ops", 10, CancellationToken.None)).Select(p => p.Id).ToList();
        var payments = (await store.PendingAsync("payments", 10, CancellationToken.None)).Select(p => p.Id).ToList();
        // A folded message standing for two rows, a single one, one set aside, and one long ago.
        await store.MarkSentAsync(ops.Take(2), "folded", Now.AddSeconds(-10), CancellationToken.None);
        await store.MarkSentAsync([ops[2]], "failed", Now.AddSeconds(-5), CancellationToken.None);
        await store.MarkSentAsync([ops[3]], "single", Now.AddMinutes(-5), CancellationToken.None);
        await store.MarkSentAsync(payments, "single", Now.AddSeconds(-1), CancellationToken.None);

        var recent = await store.RecentSendsAsync(Now.AddMinutes(-1), CancellationToken.None);

        Assert.Equal([("ops", Now.AddSeconds(-10)), ("payments", Now.AddSeconds(-1))], recent);
    }

    private static NewAlert New(KubeEventObserved e, string robot, Mentions? mentions = null, string? traceParent = null) =>
        new(OccurrenceKey.MessageIdFor(e), new AlertTarget(robot, Router.DefaultRoute, mentions ?? Mentions.None),
            AlertPlanner.FoldKeyOf(e), AlertContent.LastSeenOf(e), e, traceParent);

    private static async Task<AlertStore> NewStoreAsync()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dingtalk");
        await NotifierDatabase.MigrateAsync(database);
        return new AlertStore(NpgsqlDataSource.Create(database), NotifierHost.Sink);
    }
}
