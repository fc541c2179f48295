using Eventer.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>
/// A setting that binds can still be wrong (a notifier without a robot, an unparsable connection
/// string, a Lease name that is no DNS name): each Deployment's configuration must pass the checks
/// its service makes at start. The service is built by its own host builder, from its own
/// appsettings.json and the container's environment, and validated as EventerHost does before it
/// runs; nothing is started and nothing is connected to.
/// </summary>
[Trait("Category", "Unit")]
public sealed class StartupCheckTests
{
    [Theory]
    [MemberData(nameof(PodSpecTests.Containers), MemberType = typeof(PodSpecTests))]
    public async Task The_configuration_a_deployment_gives_passes_its_services_start_up_checks(string root, string name)
    {
        var set = ManifestSet.Of(root);
        var service = EventerService.Named(name);
        var (deployment, container) = set.EventerContainer(service);
        var environment = ServiceConfiguration.Keys(set.Environment(deployment.Metadata, container));

        var problem = await StartupProblemAsync(service, environment);

        Assert.Null(problem);
    }

    [Fact]
    public async Task A_notifier_that_is_not_dry_needs_its_robots_webhook()
    {
        var service = EventerService.Named(DingTalkNotifier.NotifierHost.ServiceName);
        var (deployment, container) = ManifestSet.Of("base").EventerContainer(service);
        var environment = ServiceConfiguration.Keys(ManifestSet.Of("base").Environment(deployment.Metadata, container));
        environment["DingTalk:DryRun"] = "false";

        var problem = await StartupProblemAsync(service, environment);

        Assert.StartsWith("DingTalk:Robots:ops:Webhook: is required", problem);
    }

    /// <summary>The one line a service would print when it stops at start, or null when it would run.</summary>
    private static async Task<string?> StartupProblemAsync(EventerService service, Dictionary<string, string?> environment)
    {
        try
        {
            await using var app = service.Build(
                ["--contentRoot", service.ProjectDirectory, "--environment", "Production"],
                builder => builder.Configuration.AddInMemoryCollection(environment));
            app.Services.GetService<IStartupValidator>()?.Validate();
            return null;
        }
        catch (Exception ex) when (EventerHost.ConfigurationProblem(ex) is { } problem)
        {
            return problem;
        }
    }
}
