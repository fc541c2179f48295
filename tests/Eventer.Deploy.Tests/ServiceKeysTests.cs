using Eventer.Archive;
using Eventer.Collector;
using Eventer.DingTalkNotifier;
using Eventer.EsIndexer;
using Eventer.WebhookNotifier;

namespace Eventer.Deploy.Tests;

/// <summary>
/// A misspelled or misplaced setting is silently ignored by .NET configuration, so docker-compose.yml
/// and the manifests are checked by <see cref="ServiceKeys"/>: here, that it accepts the keys each
/// service binds and refuses the others with the reason.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ServiceKeysTests
{
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
    [InlineData(CollectorHost.ServiceName, "DOTNET_gcServer")]
    [InlineData(CollectorHost.ServiceName, "ASPNETCORE_URLS")]
    [InlineData(CollectorHost.ServiceName, "urls")]
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
        Assert.Null(new ServiceKeys(EventerService.Named(service)).Problem(variable));
    }

    [Theory]
    [InlineData(CollectorHost.ServiceName, "Collector__Leadership__Mdoe", "Collector:Leadership (LeadershipOptions) has no settable property Mdoe")]
    [InlineData(CollectorHost.ServiceName, "Collector__ClusterNmae", "Collector (CollectorOptions) has no settable property ClusterNmae")]
    [InlineData(CollectorHost.ServiceName, "Collector__Namespaces__first", "Collector:Namespaces is a list; first is not an index")]
    [InlineData(CollectorHost.ServiceName, "Collector__Leadership", "Collector:Leadership is a section (LeadershipOptions), not a value")]
    [InlineData(CollectorHost.ServiceName, "Collector__ClusterName__x", "Collector:ClusterName is a value (String); it has no key x")]
    [InlineData(CollectorHost.ServiceName, "ConnectionStrings__elasticsearch", "ConnectionStrings:elasticsearch is no connection string this service reads")]
    [InlineData(CollectorHost.ServiceName, "DingTalk__DryRun", "DingTalk:DryRun is in no section this service binds")]
    [InlineData(CollectorHost.ServiceName, "Bus__PrefetchCount", "Bus:PrefetchCount is in no section this service binds")]
    [InlineData(CollectorHost.ServiceName, "kubeconfig", "kubeconfig is in no section this service binds")]
    [InlineData(EsIndexerHost.ServiceName, "ConnectionStrings__postgres", "ConnectionStrings:postgres is no connection string this service reads")]
    [InlineData(ArchiveHost.ServiceName, "Archive__Retention", "Archive:Retention is a section (RetentionOptions), not a value")]
    [InlineData(ArchiveHost.ServiceName, "Archive__EffectiveReplayQueues__0", "Archive (ArchiveApiOptions) has no settable property EffectiveReplayQueues")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__Robots__ops__Webhok", "DingTalk:Robots:ops (RobotOptions) has no settable property Webhok")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__Robots__ops", "DingTalk:Robots:ops is a section (RobotOptions), not a value")]
    [InlineData(NotifierHost.ServiceName, "Webhook__DryRun", "Webhook:DryRun is in no section this service binds")]
    [InlineData(WebhookHost.ServiceName, "Webhook__Targets__team__Webhook", "Webhook:Targets:team (WebhookTargetOptions) has no settable property Webhook")]
    [InlineData(WebhookHost.ServiceName, "Webhook____DryRun", "Webhook::DryRun has an empty part")]
    public void A_key_the_service_does_not_bind_is_refused_with_the_reason(string service, string variable, string reason)
    {
        Assert.StartsWith(reason, new ServiceKeys(EventerService.Named(service)).Problem(variable));
    }

    [Theory]
    [InlineData(CollectorHost.ServiceName, "Collector__WatchTimeout", "00:05:00", null)]
    [InlineData(CollectorHost.ServiceName, "Collector__WatchTimeout", "5 minutes", "Collector:WatchTimeout: '5 minutes' does not convert to TimeSpan")]
    [InlineData(CollectorHost.ServiceName, "Collector__Leadership__Mode", "lease", null)]
    [InlineData(CollectorHost.ServiceName, "Collector__Leadership__Mode", "Raft", "Collector:Leadership:Mode: 'Raft' does not convert to LeadershipMode")]
    [InlineData(ArchiveHost.ServiceName, "Bus__PrefetchCount", "many", "Bus:PrefetchCount: 'many' does not convert to ")]
    [InlineData(NotifierHost.ServiceName, "DingTalk__DryRun", "yes", "DingTalk:DryRun: 'yes' does not convert to Boolean")]
    public void A_value_must_convert_to_the_type_it_binds_to(string service, string variable, string value, string? reason)
    {
        var problem = new ServiceKeys(EventerService.Named(service)).Problem(variable, value);

        if (reason is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.StartsWith(reason, problem);
        }
    }

    [Fact]
    public void Options_classes_are_found_by_their_section_constant_in_the_service_and_what_it_references_bus_only_for_consumers()
    {
        var collector = new ServiceKeys(EventerService.Named(CollectorHost.ServiceName)).OptionsTypes.Select(t => t.Name);
        var dingTalk = new ServiceKeys(EventerService.Named(NotifierHost.ServiceName)).OptionsTypes.Select(t => t.Name);

        // The collector publishes without AddEventerBus, so Bus (EventerBusOptions) is only the consumers'.
        Assert.Equal(["CollectorOptions", "LeadershipOptions", "OutboxOptions"], collector.Order());
        Assert.Equal(["EventerBusOptions", "NotifierOptions"], dingTalk.Order());
    }
}
