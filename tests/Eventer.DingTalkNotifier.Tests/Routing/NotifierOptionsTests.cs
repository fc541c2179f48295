using Eventer.DingTalkNotifier.Routing;
using Eventer.Notifications.Routing;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Tests.Routing;

[Trait("Category", "Unit")]
public sealed class NotifierOptionsTests
{
    private const string Token = "0123456789abcdef-secret-token";

    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["DingTalk:Robots:ops:Webhook"] = $"https://oapi.dingtalk.com/robot/send?access_token={Token}",
        ["DingTalk:Robots:ops:Secret"] = "SEC0123",
        ["DingTalk:Robots:platform:Webhook"] = "https://oapi.dingtalk.com/robot/send?access_token=other",
        ["DingTalk:Robots:platform:Keyword"] = "k8s",
        ["DingTalk:Robots:platform:MessagesPerMinute"] = "10",
        ["DingTalk:DefaultRobot"] = "ops",
        ["DingTalk:TimeZone"] = "Asia/Shanghai",
        ["DingTalk:MaxAge"] = "00:15:00",
        ["DingTalk:FoldWindow"] = "00:05:00",
        ["DingTalk:Routes:0:Name"] = "noise",
        ["DingTalk:Routes:0:Drop"] = "true",
        ["DingTalk:Routes:0:Match:Reason"] = "Pulled|Created",
        ["DingTalk:Routes:1:Name"] = "platform",
        ["DingTalk:Routes:1:Robot"] = "platform",
        ["DingTalk:Routes:1:Continue"] = "true",
        ["DingTalk:Routes:1:Match:Namespace"] = "kube-.*",
        ["DingTalk:Routes:1:Match:Message"] = "OOM",
        ["DingTalk:Routes:1:Match:Labels:team"] = "platform",
        ["DingTalk:Routes:1:AtMobiles:0"] = "13800000000",
        ["DingTalk:Routes:1:Template"] = "{{ icon }} {{ reason }} on {{ name }}",
        ["DingTalk:Silences:0:Route"] = "platform",
        ["DingTalk:Silences:0:Until"] = "2026-12-01T08:00:00Z",
        ["DingTalk:Silences:0:Comment"] = "upgrade",
        ["DingTalk:Silences:1:Match:Namespace"] = "batch",
        ["DingTalk:Silences:1:Until"] = "2026-12-01T08:00:00+08:00",
        ["DingTalk:LinkTemplate"] = "https://kibana.example/?q={{ name }}",
        ["DingTalk:ArchiveUrl"] = "http://archive.example:8084/api/events",
    };

    [Fact]
    public void A_valid_full_configuration_passes_and_binds()
    {
        var options = Resolve(Valid);

        Assert.Equal(["ops", "platform"], options.Robots.Keys.Order());
        Assert.Equal(10, options.Robots["platform"].MessagesPerMinute);
        Assert.Equal(2, options.Routes.Count);
        Assert.True(options.Routes[0].Drop);
        Assert.Equal("platform", options.Routes[1].Match.Labels["team"]);
        Assert.Equal(["13800000000"], options.Routes[1].AtMobiles);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), options.Silences[1].Until);
    }

    [Fact]
    public void A_bad_pattern_names_its_key_and_route()
    {
        var failures = Failures(With(("DingTalk:Routes:1:Match:Message", "OOM(")));

        var failure = Assert.Single(failures);
        Assert.StartsWith("DingTalk:Routes:1:Match:Message: route 'platform': 'OOM(' is not a valid regular expression (", failure);
    }

    [Fact]
    public void A_bad_label_pattern_names_the_label()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Routes:1:Match:Labels:team", "[platform"))));

        Assert.StartsWith("DingTalk:Routes:1:Match:Labels:team: route 'platform': '[platform' is not a valid regular expression", failure);
    }

    [Fact]
    public void A_route_naming_an_unknown_robot_is_refused()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Routes:1:Robot", "nobody"))));

        Assert.Equal("DingTalk:Routes:1:Robot: route 'platform': names robot 'nobody', which is not configured", failure);
    }

    [Fact]
    public void A_route_without_a_robot_must_drop()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Routes:1:Robot", ""))));

        Assert.Equal("DingTalk:Routes:1:Robot: route 'platform': is required unless the route drops what it matches", failure);
    }

    [Fact]
    public void An_unnamed_route_is_named_by_its_index_in_messages()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Routes:1:Name", ""), ("DingTalk:Silences:0:Route", "route-1"), ("DingTalk:Routes:1:Robot", "nobody"))));

        Assert.Equal("DingTalk:Routes:1:Robot: route 'route-1': names robot 'nobody', which is not configured", failure);
    }

    [Fact]
    public void No_robot_at_all_is_refused()
    {
        var failure = Assert.Single(Failures(new Dictionary<string, string?> { ["DingTalk:TimeZone"] = "UTC" }));

        Assert.Equal("DingTalk:Robots: names no robot; add DingTalk:Robots:<name>:Webhook", failure);
    }

    [Fact]
    public void An_unknown_default_robot_is_refused()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:DefaultRobot", "nobody"))));

        Assert.Equal("DingTalk:DefaultRobot: names robot 'nobody', which is not configured", failure);
    }

    [Theory]
    [InlineData($"ftp://oapi.dingtalk.com/robot/send?access_token={Token}")]
    [InlineData($"oapi.dingtalk.com/robot/send?access_token={Token}")]
    [InlineData($"/robot/send?access_token={Token}")]
    public void A_webhook_that_is_not_an_http_url_is_refused_without_repeating_its_token(string webhook)
    {
        var exception = Refusal(With(("DingTalk:Robots:ops:Webhook", webhook)));

        Assert.Equal("DingTalk:Robots:ops:Webhook: is not an absolute http(s) URL", Assert.Single(exception.Failures));
        Assert.DoesNotContain(Token, exception.Message);
    }

    [Fact]
    public void A_missing_webhook_is_refused_unless_in_a_dry_run()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Robots:ops:Webhook", ""))));
        var dryRun = Resolve(With(("DingTalk:Robots:ops:Webhook", ""), ("DingTalk:DryRun", "true")));

        Assert.StartsWith("DingTalk:Robots:ops:Webhook: is required", failure);
        Assert.True(dryRun.DryRun);
    }

    [Fact]
    public void A_bad_time_zone_is_refused()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:TimeZone", "Mars/Olympus"))));

        Assert.StartsWith("DingTalk:TimeZone: 'Mars/Olympus' is not a known time zone", failure);
    }

    [Fact]
    public void A_bad_liquid_template_in_a_route_is_refused()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Routes:1:Template", "{{ reason "))));

        Assert.StartsWith("DingTalk:Routes:1:Template: route 'platform': is not a valid Liquid template (", failure);
    }

    [Fact]
    public void A_bad_link_template_is_refused()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:LinkTemplate", "{% if %}"))));

        Assert.StartsWith("DingTalk:LinkTemplate: is not a valid Liquid template (", failure);
    }

    [Fact]
    public void One_webhook_under_two_robot_names_is_refused_without_repeating_it()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Robots:platform:Webhook", Valid["DingTalk:Robots:ops:Webhook"]))));

        Assert.Equal("DingTalk:Robots:platform:Webhook: is the same webhook as robot 'ops'; one robot must be configured once", failure);
        Assert.DoesNotContain(Token, failure);
    }

    [Fact]
    public void A_silence_without_an_end_is_refused()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Silences:1:Until", null))));

        Assert.Equal("DingTalk:Silences:1:Until: silence 1: is required (when the silence ends)", failure);
    }

    [Fact]
    public void A_silence_naming_an_unknown_route_is_refused()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Silences:0:Route", "nowhere"))));

        Assert.Equal("DingTalk:Silences:0:Route: silence 0: names route 'nowhere', which is not configured", failure);
    }

    [Fact]
    public void A_silence_that_covers_everything_is_refused()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:Silences:1:Match:Namespace", null))));

        Assert.StartsWith("DingTalk:Silences:1: silence 1: names no route and matches everything", failure);
    }

    [Fact]
    public void A_silence_may_name_the_built_in_default_route()
    {
        // The router silences unrouted Warnings by the route name "default" (Router.DefaultRoute).
        var options = Resolve(With(("DingTalk:Silences:0:Route", Router.DefaultRoute)));

        Assert.Equal(Router.DefaultRoute, options.Silences[0].Route);
    }

    [Fact]
    public void Every_problem_the_notifier_finds_is_reported_at_once()
    {
        var failures = Failures(With(
            ("DingTalk:Routes:1:Match:Namespace", "("),
            ("DingTalk:Robots:platform:MessagesPerMinute", "0"),
            ("DingTalk:TimeZone", "Nowhere/Nothing")));

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("DingTalk:Routes:1:Match:Namespace: route 'platform': '(' is not", StringComparison.Ordinal));
        Assert.Contains("DingTalk:Robots:platform:MessagesPerMinute: must be between 1 and 600", failures);
        Assert.Contains(failures, f => f.StartsWith("DingTalk:TimeZone: 'Nowhere/Nothing'", StringComparison.Ordinal));
    }

    [Fact]
    public void An_out_of_range_setting_names_its_key()
    {
        var failure = Assert.Single(Failures(With(("DingTalk:MaxMessageBytes", "50000"))));

        Assert.Equal("DingTalk:MaxMessageBytes: The field MaxMessageBytes must be between 1000 and 20000.", failure);
    }

    [Fact]
    public void A_pattern_validation_accepts_also_compiles_in_the_router()
    {
        // Valid on its own; the router anchors it as ^(?:pattern)$, where the inline comment swallows the closing ")$".
        var settings = With(("DingTalk:Routes:1:Match:Namespace", "(?x) kube-.* # system namespaces"));

        var problem = Record.Exception(() => new Router(Resolve(settings)));

        Assert.True(problem is null or OptionsValidationException, $"validation passed but the router failed: {problem}");
    }

    private static Dictionary<string, string?> With(params (string Key, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>(Valid);
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    private static NotifierOptions Resolve(Dictionary<string, string?> settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddValidatedOptions<NotifierOptions>(NotifierOptions.Section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<NotifierOptions>>().Value;
    }

    private static OptionsValidationException Refusal(Dictionary<string, string?> settings) =>
        Assert.Throws<OptionsValidationException>(() => Resolve(settings));

    private static List<string> Failures(Dictionary<string, string?> settings) => [.. Refusal(settings).Failures];
}
