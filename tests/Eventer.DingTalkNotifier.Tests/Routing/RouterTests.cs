using Eventer.Contracts;
using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Routing;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Tests.Routing;

[Trait("Category", "Unit")]
public sealed class RouterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Routes_are_tried_in_order_and_the_first_match_decides()
    {
        var router = NewRouter(
            Route("backoff", "ops", new MatchOptions { Reason = "BackOff" }),
            Route("shop", "shop", new MatchOptions { Namespace = "shop" }));

        var result = router.Route(Warning("shop", "BackOff"), Now);

        var target = Assert.Single(result.Targets);
        Assert.Equal(("ops", "backoff"), (target.Target, target.Route));
        Assert.Null(result.NotRoutedBecause);
    }

    [Fact]
    public void A_later_route_decides_when_earlier_ones_do_not_match()
    {
        var router = NewRouter(
            Route("backoff", "ops", new MatchOptions { Reason = "BackOff" }),
            Route("shop", "shop", new MatchOptions { Namespace = "shop" }));

        var result = router.Route(Warning("shop", "Unhealthy"), Now);

        Assert.Equal(["shop"], result.Targets.Select(t => t.Target));
    }

    [Fact]
    public void A_drop_route_sends_nowhere_and_says_so()
    {
        var router = NewRouter(
            new RobotRoute { Name = "noise", Drop = true, Match = new MatchOptions { Reason = "BackOff" } },
            Route("all", "ops", new MatchOptions()));

        var result = router.Route(Warning("shop", "BackOff"), Now);

        Assert.Empty(result.Targets);
        Assert.Equal("dropped by route noise", result.NotRoutedBecause);
        Assert.Equal(0, result.Silenced);
    }

    [Fact]
    public void A_continuing_route_lets_later_routes_add_other_robots_but_never_the_same_robot_twice()
    {
        var router = NewRouter(
            Route("everything", "ops", new MatchOptions(), @continue: true),
            Route("ops-again", "ops", new MatchOptions { Namespace = "shop" }, @continue: true),
            Route("shop", "shop", new MatchOptions { Namespace = "shop" }),
            Route("never", "audit", new MatchOptions()));

        var result = router.Route(Warning("shop", "BackOff"), Now);

        Assert.Equal([("ops", "everything"), ("shop", "shop")], result.Targets.Select(t => (t.Target, t.Route)));
    }

    [Fact]
    public void A_later_route_to_a_robot_already_chosen_adds_its_mentions_to_that_one_message()
    {
        var oncall = Route("oncall", "ops", new MatchOptions { Namespace = "shop" });
        oncall.AtMobiles = ["13800000000"];
        oncall.IsAtAll = true;
        var router = NewRouter(Route("everything", "ops", new MatchOptions(), @continue: true), oncall);

        var target = Assert.Single(router.Route(Warning("shop", "BackOff"), Now).Targets);

        Assert.Equal(("ops", "everything"), (target.Target, target.Route));
        Assert.Equal(["13800000000"], target.Mentions.AtMobiles);
        Assert.True(target.Mentions.IsAtAll);
    }

    [Fact]
    public void An_unrouted_warning_goes_to_the_default_robot()
    {
        var router = NewRouter(new NotifierOptions
        {
            Robots = Robots("ops", "shop"),
            DefaultRobot = "ops",
            Routes = [Route("shop", "shop", new MatchOptions { Namespace = "shop" })],
        });

        var result = router.Route(Warning("batch", "BackOff"), Now);

        var target = Assert.Single(result.Targets);
        Assert.Equal(("ops", Router.DefaultRoute), (target.Target, target.Route));
        Assert.True(target.Mentions.IsNone);
    }

    [Fact]
    public void Without_a_default_robot_an_unrouted_warning_goes_to_the_only_robot()
    {
        var router = NewRouter(new NotifierOptions { Robots = Robots("ops") });

        Assert.Equal(["ops"], router.Route(Warning("batch", "BackOff"), Now).Targets.Select(t => t.Target));
    }

    [Fact]
    public void Without_a_default_robot_and_with_several_robots_an_unrouted_warning_goes_nowhere()
    {
        var router = NewRouter(new NotifierOptions { Robots = Robots("ops", "shop") });

        var result = router.Route(Warning("batch", "BackOff"), Now);

        Assert.Empty(result.Targets);
        Assert.Equal("matched no route", result.NotRoutedBecause);
    }

    [Fact]
    public void An_unrouted_normal_event_goes_nowhere_even_with_a_default_robot()
    {
        var router = NewRouter(new NotifierOptions { Robots = Robots("ops"), DefaultRobot = "ops" });

        var result = router.Route(Warning("batch", "Scheduled") with { Type = "Normal" }, Now);

        Assert.Empty(result.Targets);
        Assert.Equal("matched no route", result.NotRoutedBecause);
    }

    [Theory]
    [InlineData("kube-.*", "kube-system", true)]
    [InlineData("kube", "kube-system", false)]
    [InlineData("system", "kube-system", false)]
    [InlineData("shop|batch", "batch", true)]
    [InlineData("shop|batch", "batch-2", false)]
    public void Namespace_patterns_match_the_whole_namespace(string pattern, string ns, bool matches)
    {
        var router = NewRouter(Route("r", "ops", new MatchOptions { Namespace = pattern }), Route("rest", "other", new MatchOptions()));

        Assert.Equal(matches ? "ops" : "other", Assert.Single(router.Route(Warning(ns, "BackOff"), Now).Targets).Target);
    }

    [Theory]
    [InlineData("Back", false)]
    [InlineData("BackOff|Unhealthy", true)]
    [InlineData("Back.*", true)]
    public void Reason_patterns_match_the_whole_reason(string pattern, bool matches)
    {
        var router = NewRouter(Route("r", "ops", new MatchOptions { Reason = pattern }), Route("rest", "other", new MatchOptions()));

        Assert.Equal(matches ? "ops" : "other", Assert.Single(router.Route(Warning("shop", "BackOff"), Now).Targets).Target);
    }

    [Theory]
    [InlineData("restarting", true)]
    [InlineData("failed container$", true)]
    [InlineData("^restarting", false)]
    [InlineData("OOMKilled", false)]
    public void Message_patterns_are_searched_in_the_message(string pattern, bool matches)
    {
        var router = NewRouter(Route("r", "ops", new MatchOptions { Message = pattern }), Route("rest", "other", new MatchOptions()));

        var result = router.Route(Warning("shop", "BackOff") with { Message = "Back-off restarting failed container" }, Now);

        Assert.Equal(matches ? "ops" : "other", Assert.Single(result.Targets).Target);
    }

    [Fact]
    public void Every_field_set_must_match()
    {
        var router = NewRouter(
            Route("r", "ops", new MatchOptions { Namespace = "shop", Reason = "BackOff", Kind = "Pod", Cluster = "prod-.*", Type = "Warning" }),
            Route("rest", "other", new MatchOptions()));

        Assert.Equal("ops", Assert.Single(router.Route(Warning("shop", "BackOff"), Now).Targets).Target);
        Assert.Equal("other", Assert.Single(router.Route(Warning("shop", "BackOff") with { Cluster = "staging" }, Now).Targets).Target);
        Assert.Equal("other", Assert.Single(router.Route(Warning("shop", "Unhealthy"), Now).Targets).Target);
    }

    [Fact]
    public void Label_patterns_need_the_label_present_with_a_whole_matching_value()
    {
        var router = NewRouter(
            Route("team", "ops", new MatchOptions { Labels = new() { ["team"] = "pay(ments)?" } }),
            Route("rest", "other", new MatchOptions()));

        Assert.Equal("ops", RobotFor(router, Labelled(("team", "payments"))));
        Assert.Equal("ops", RobotFor(router, Labelled(("team", "pay"), ("tier", "1"))));
        Assert.Equal("other", RobotFor(router, Labelled(("team", "payments-eu"))));
        Assert.Equal("other", RobotFor(router, Labelled(("owner", "payments"))));
        Assert.Equal("other", RobotFor(router, Labelled()));
    }

    [Fact]
    public void A_cluster_scoped_object_matches_on_the_events_namespace()
    {
        var router = NewRouter(
            Route("default-ns", "ops", new MatchOptions { Namespace = "default" }),
            Route("rest", "other", new MatchOptions()));
        var node = Warning("default", "NodeNotReady") with
        {
            InvolvedObject = new KubeObjectReference { Kind = "Node", Namespace = "", Name = "node-1" },
        };
        var podElsewhere = Warning("default", "BackOff") with
        {
            InvolvedObject = new KubeObjectReference { Kind = "Pod", Namespace = "shop", Name = "web-0" },
        };

        Assert.Equal("ops", RobotFor(router, node));
        Assert.Equal("other", RobotFor(router, podElsewhere));
    }

    [Fact]
    public void A_silence_by_route_name_holds_that_route_until_it_ends()
    {
        var until = Now.AddHours(1);
        var options = new NotifierOptions
        {
            Robots = Robots("ops", "shop"),
            Routes = [Route("shop", "shop", new MatchOptions { Namespace = "shop" }), Route("rest", "ops", new MatchOptions())],
            Silences = [new SilenceOptions { Route = "shop", Until = until }],
        };
        var router = NewRouter(options);

        var during = router.Route(Warning("shop", "BackOff"), until.AddTicks(-1));
        var otherRoute = router.Route(Warning("batch", "BackOff"), Now);
        var atEnd = router.Route(Warning("shop", "BackOff"), until);

        Assert.Empty(during.Targets);
        Assert.Equal(1, during.Silenced);
        Assert.Null(during.NotRoutedBecause);
        Assert.Equal(["ops"], otherRoute.Targets.Select(t => t.Target));
        Assert.Equal(["shop"], atEnd.Targets.Select(t => t.Target));
        Assert.Equal(0, atEnd.Silenced);
    }

    [Fact]
    public void A_silence_by_match_holds_only_what_it_matches_until_it_ends()
    {
        var until = Now.AddMinutes(30);
        var router = NewRouter(new NotifierOptions
        {
            Robots = Robots("ops"),
            Routes = [Route("all", "ops", new MatchOptions())],
            Silences = [new SilenceOptions { Match = new MatchOptions { Reason = "BackOff", Namespace = "shop" }, Until = until }],
        });

        Assert.Empty(router.Route(Warning("shop", "BackOff"), Now).Targets);
        Assert.Equal(1, router.Route(Warning("shop", "BackOff"), Now).Silenced);
        Assert.Single(router.Route(Warning("shop", "Unhealthy"), Now).Targets);
        Assert.Single(router.Route(Warning("batch", "BackOff"), Now).Targets);
        Assert.Single(router.Route(Warning("shop", "BackOff"), until.AddSeconds(1)).Targets);
    }

    [Fact]
    public void A_silence_by_match_also_covers_the_default_robot()
    {
        var router = NewRouter(new NotifierOptions
        {
            Robots = Robots("ops"),
            Silences = [new SilenceOptions { Match = new MatchOptions { Namespace = "shop" }, Until = Now.AddMinutes(1) }],
        });

        var silenced = router.Route(Warning("shop", "BackOff"), Now);

        Assert.Empty(silenced.Targets);
        Assert.Equal(1, silenced.Silenced);
        Assert.Single(router.Route(Warning("shop", "BackOff"), Now.AddMinutes(1)).Targets);
    }

    [Fact]
    public void A_silence_naming_the_default_route_holds_only_unrouted_warnings()
    {
        var router = NewRouter(new NotifierOptions
        {
            Robots = Robots("ops"),
            Routes = [Route("shop", "ops", new MatchOptions { Namespace = "shop" })],
            Silences = [new SilenceOptions { Route = Router.DefaultRoute, Until = Now.AddMinutes(1) }],
        });

        Assert.Equal(1, router.Route(Warning("batch", "BackOff"), Now).Silenced);
        Assert.Empty(router.Route(Warning("batch", "BackOff"), Now).Targets);
        Assert.Equal(["shop"], router.Route(Warning("shop", "BackOff"), Now).Targets.Select(t => t.Route));
    }

    [Fact]
    public void A_silenced_continuing_route_does_not_keep_later_routes_from_other_robots()
    {
        var router = NewRouter(new NotifierOptions
        {
            Robots = Robots("ops", "shop"),
            Routes = [Route("all", "ops", new MatchOptions(), @continue: true), Route("shop", "shop", new MatchOptions { Namespace = "shop" })],
            Silences = [new SilenceOptions { Route = "all", Until = Now.AddMinutes(1) }],
        });

        var result = router.Route(Warning("shop", "BackOff"), Now);

        Assert.Equal(["shop"], result.Targets.Select(t => t.Target));
        Assert.Equal(1, result.Silenced);
    }

    [Fact]
    public void A_routes_mentions_are_carried_into_its_target()
    {
        var route = Route("oncall", "ops", new MatchOptions());
        route.AtMobiles = ["13800000000"];
        route.AtUserIds = ["manager01"];
        route.IsAtAll = true;

        var target = Assert.Single(NewRouter(route).Route(Warning("shop", "BackOff"), Now).Targets);

        Assert.Equal(["13800000000"], target.Mentions.AtMobiles);
        Assert.Equal(["manager01"], target.Mentions.AtUserIds);
        Assert.True(target.Mentions.IsAtAll);
    }

    [Fact]
    public void An_unnamed_route_is_called_by_its_index()
    {
        var router = NewRouter(Route(null, "ops", new MatchOptions { Namespace = "x" }), Route(null, "ops", new MatchOptions()));

        Assert.Equal("route-1", Assert.Single(router.Route(Warning("shop", "BackOff"), Now).Targets).Route);
    }

    private static KubeEventObserved Warning(string ns, string reason) => NotifierSamples.Warning(ns, "web-0", reason, Now);

    private static KubeEventObserved Labelled(params (string Key, string Value)[] labels) =>
        Warning("shop", "BackOff") with { Labels = labels.ToDictionary(l => l.Key, l => l.Value) };

    private static string RobotFor(Router router, KubeEventObserved e) => Assert.Single(router.Route(e, Now).Targets).Target;

    private static RobotRoute Route(string? name, string robot, MatchOptions match, bool @continue = false) =>
        new() { Name = name, Robot = robot, Match = match, Continue = @continue };

    private static Dictionary<string, RobotOptions> Robots(params string[] names) =>
        names.ToDictionary(n => n, n => new RobotOptions { Webhook = $"https://oapi.dingtalk.com/robot/send?access_token={n}" });

    /// <summary>A router over these routes, with every robot they name configured and no default robot.</summary>
    private static Router NewRouter(params RobotRoute[] routes) => NewRouter(new NotifierOptions
    {
        Robots = Robots([.. routes.Select(r => r.Robot).OfType<string>().Distinct().Append("spare")]),
        Routes = [.. routes],
    });

    private static Router NewRouter(NotifierOptions options) => new(options);
}
