using Eventer.Archive;
using Eventer.Collector;
using Eventer.DingTalkNotifier;
using Eventer.EsIndexer;
using Eventer.WebhookNotifier;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>
/// A misspelled or misplaced setting is silently ignored by .NET configuration, so every variable a
/// manifest gives an eventer container must be one that container's service binds.
/// </summary>
[Trait("Category", "Unit")]
public sealed class EnvironmentKeyTests
{
    [Theory]
    [MemberData(nameof(ManifestSet.RootNames), MemberType = typeof(ManifestSet))]
    public void Every_variable_of_an_eventer_container_is_a_key_its_service_binds(string root)
    {
        var set = ManifestSet.Of(root);
        var problems = new List<string>();
        foreach (var (deployment, container, service) in set.EventerContainers())
        {
            var keys = new ConfigurationKeys(service.Assembly);
            problems.AddRange(set.Environment(deployment.Metadata, container).Keys
                .Select(variable => keys.Problem(variable) is { } problem ? $"{service}: {variable}: {problem}" : null)
                .OfType<string>());
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData(CollectorHost.ServiceName, "Collector__ClusterName")]
    [InlineData(CollectorHost.ServiceName, "collector__api")]
    [InlineData(CollectorHost.ServiceName, "Collector__Namespaces__0")]
    [InlineData(CollectorHost.ServiceName, "Collector__Drop__2__Reason")]
    [InlineData(CollectorHost.ServiceName, "Collector__Leadership__Mode")]
    [InlineData(CollectorHost.ServiceName, "Collector__Outbox__AwaitQueues__3")]
    [InlineData(CollectorHost.ServiceName, "ConnectionStrings__postgres")]
    [InlineData(CollectorHost.ServiceName, "KUBECONFIG")]
    [InlineData(CollectorHost.ServiceName, "OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData(CollectorHost.ServiceName, "Logging__LogLevel__Default")]
    [InlineData(CollectorHost.ServiceName, "Http__Port")]
    [InlineData(ArchiveHost.ServiceName, "Archive__Retention__MaxAge")]
    [InlineData(ArchiveHost.ServiceName, "Archive__ReplayQueues__1")]
    [InlineData(ArchiveHost.ServiceName, "Bus__PrefetchCount")]
    [InlineData(EsIndexerHost.ServiceName, "ConnectionStrings__elasticsearch")]
    [InlineData(EsIndexerHost.ServiceName, "EsIndexer__RetentionDays")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__Robots__ops__Webhook")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__DryRun")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__Routes__0__Match__Labels__team")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__Silences__1__Until")]
    [InlineData(WebhookHost.ServiceName, "Webhook__Targets__pager__Headers__Authorization")]
    [InlineData(WebhookHost.ServiceName, "Webhook__Targets__team__Kind")]
    public void A_key_the_service_binds_is_accepted(string service, string variable)
    {
        Assert.Null(new ConfigurationKeys(EventerService.Named(service).Assembly).Problem(variable));
    }

    [Theory]
    [InlineData(CollectorHost.ServiceName, "Collector__Leadership__Mdoe", "Collector:Leadership (LeadershipOptions) has no settable property Mdoe")]
    [InlineData(CollectorHost.ServiceName, "Collector__ClusterNmae", "Collector (CollectorOptions) has no settable property ClusterNmae")]
    [InlineData(CollectorHost.ServiceName, "Collector__Namespaces__first", "Collector:Namespaces is a list; first is not an index")]
    [InlineData(CollectorHost.ServiceName, "Collector__Leadership", "Collector:Leadership is a section (LeadershipOptions), not a value")]
    [InlineData(CollectorHost.ServiceName, "Collector__ClusterName__x", "Collector:ClusterName is a value (String); it has no key x")]
    [InlineData(CollectorHost.ServiceName, "ConnectionStrings__elasticsearch", "ConnectionStrings:elasticsearch is no connection string this service reads")]
    [InlineData(CollectorHost.ServiceName, "DingTalk__DryRun", "DingTalk:DryRun is in no section this service binds")]
    [InlineData(ArchiveHost.ServiceName, "Archive__Retention", "Archive:Retention is a section (RetentionOptions), not a value")]
    [InlineData(ArchiveHost.ServiceName, "Archive__EffectiveReplayQueues__0", "Archive (ArchiveApiOptions) has no settable property EffectiveReplayQueues")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__Robots__ops__Webhok", "DingTalk:Robots:ops (RobotOptions) has no settable property Webhok")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__Robots__ops", "DingTalk:Robots:ops is a section (RobotOptions), not a value")]
    [InlineData(NotifierHost.ServiceName, "Webhook__DryRun", "Webhook:DryRun is in no section this service binds")]
    [InlineData(WebhookHost.ServiceName, "Webhook__Targets__team__Webhook", "Webhook:Targets:team (WebhookTargetOptions) has no settable property Webhook")]
    [InlineData(WebhookHost.ServiceName, "Webhook____DryRun", "Webhook::DryRun has an empty part")]
    public void A_key_the_service_does_not_bind_is_refused_with_the_reason(string service, string variable, string reason)
    {
        Assert.StartsWith(reason, new ConfigurationKeys(EventerService.Named(service).Assembly).Problem(variable));
    }

    [Fact]
    public void Options_classes_are_found_by_their_section_constant_in_the_service_and_what_it_references()
    {
        var collector = new ConfigurationKeys(EventerService.Named(CollectorHost.ServiceName).Assembly).OptionsTypes.Select(t => t.Name);
        var dingTalk = new ConfigurationKeys(EventerService.Named(NotifierHost.ServiceName).Assembly).OptionsTypes.Select(t => t.Name);

        Assert.Equal(["CollectorOptions", "EventerBusOptions", "LeadershipOptions", "OutboxOptions"], collector.Order());
        Assert.Equal(["EventerBusOptions", "NotifierOptions"], dingTalk.Order());
    }
}
