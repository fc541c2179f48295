using Eventer.DingTalkNotifier;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>
/// Every Deployment's environment must be one its service binds (a misspelled key is silently
/// ignored by .NET configuration) and pass the checks the service makes at start (a notifier
/// without a robot, an unparsable connection string, a Lease name that is no DNS name): checked by
/// <see cref="ServiceKeys"/>, as docker-compose.yml is. Nothing is started and nothing is connected to.
/// </summary>
[Trait("Category", "Unit")]
public sealed class StartupCheckTests
{
    [Theory]
    [MemberData(nameof(PodSpecTests.Containers), MemberType = typeof(PodSpecTests))]
    public async Task The_configuration_a_deployment_gives_is_bound_by_its_service_and_passes_its_start_up_checks(string root, string name)
    {
        var service = EventerService.Named(name);

        var problems = await ServiceKeys.ProblemsAsync(service, ManifestSet.Of(root).EventerEnvironment(service));

        Assert.True(problems.Count == 0, $"{root}: {string.Join("\n", problems)}");
    }

    [Fact]
    public async Task A_notifier_that_is_not_dry_needs_its_robots_webhook()
    {
        var service = EventerService.Named(NotifierHost.ServiceName);
        var environment = new Dictionary<string, string?>(ManifestSet.Of("base").EventerEnvironment(service)) { ["DingTalk__DryRun"] = "false" };

        var problem = Assert.Single(await ServiceKeys.ProblemsAsync(service, environment));

        Assert.StartsWith("dingtalk-notifier: cannot start: DingTalk:Robots:ops:Webhook: is required", problem);
    }
}
