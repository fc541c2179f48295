using YamlDotNet.RepresentationModel;

namespace Eventer.Deploy.Tests.Compose;

/// <summary>The eventer services in docker-compose.yml: built from their Dockerfiles, configured by keys they bind, checked, scraped.</summary>
[Trait("Category", "Unit")]
public sealed class ComposeServiceTests
{
    private static readonly ComposeFile Compose = ComposeFile.Load();

    public static TheoryData<string> EventerServices =>
        [.. Compose.Services.Values.Where(s => EventerService.ForImage(s.Image) is not null).Select(s => s.Name)];

    [Fact]
    public void Every_eventer_image_is_built_from_the_dockerfile_that_names_it()
    {
        var images = Compose.Services.Values.Where(s => s.EventerImage is not null).ToList();
        Assert.Equal(
            EventerService.All.Select(s => s.Name).Append("simcluster").Order(),
            images.Select(s => s.EventerImage!).Distinct().Order());
        foreach (var service in images)
        {
            Assert.Equal(".", service.Scalar("build", "context"));
            var dockerfile = service.Scalar("build", "dockerfile");
            Assert.NotNull(dockerfile);
            Assert.True(File.Exists(RepositoryRoot.Combine(dockerfile.Split('/'))), $"{service.Name}: {dockerfile} does not exist");
            Assert.Contains($"# Image {service.Image}.", File.ReadAllText(RepositoryRoot.Combine(dockerfile.Split('/'))));
        }
    }

    [Theory]
    [MemberData(nameof(EventerServices))]
    public async Task Its_environment_is_bound_by_the_service_and_passes_its_validation(string name)
    {
        var service = Compose.Services[name];
        var problems = await ServiceKeys.ProblemsAsync(EventerService.Named(service.EventerImage!), service.Environment);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(EventerServices))]
    public void It_runs_read_only_with_a_writable_tmp_and_reports_readiness(string name)
    {
        var service = Compose.Services[name];
        Assert.Equal("true", service.Scalar("read_only"));
        Assert.Contains("/tmp", service.Tmpfs);
        Assert.Equal(["CMD", "http-health", "/health/ready"], service.HealthCheck);
        Assert.Equal("unless-stopped", service.Scalar("restart"));
    }

    [Fact]
    public async Task The_notifiers_dry_run_until_a_robot_or_target_is_configured()
    {
        Assert.Equal("true", Compose.Services["dingtalk-notifier"].Environment["DingTalk__DryRun"]);
        Assert.Equal("true", Compose.Services["webhook-notifier"].Environment["Webhook__DryRun"]);

        // Sending for real without an address is refused at start, naming the key...
        var sending = ComposeFile.Load(new Dictionary<string, string> { ["DINGTALK_DRY_RUN"] = "false", ["WEBHOOK_DRY_RUN"] = "false" });
        Assert.Contains(await ServiceKeys.ProblemsAsync(EventerService.Named("dingtalk-notifier"), sending.Services["dingtalk-notifier"].Environment), p => p.Contains("Robots:ops:Webhook", StringComparison.Ordinal));
        Assert.Contains(await ServiceKeys.ProblemsAsync(EventerService.Named("webhook-notifier"), sending.Services["webhook-notifier"].Environment), p => p.Contains("Targets:team:Url", StringComparison.Ordinal));

        // ...and accepted once the documented variables give one.
        var configured = ComposeFile.Load(new Dictionary<string, string>
        {
            ["DINGTALK_DRY_RUN"] = "false",
            ["DINGTALK_WEBHOOK"] = "https://oapi.dingtalk.com/robot/send?access_token=abc",
            ["DINGTALK_SECRET"] = "SECabc",
            ["WEBHOOK_DRY_RUN"] = "false",
            ["WEBHOOK_KIND"] = "Feishu",
            ["WEBHOOK_URL"] = "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
        });
        Assert.Empty(await ServiceKeys.ProblemsAsync(EventerService.Named("dingtalk-notifier"), configured.Services["dingtalk-notifier"].Environment));
        Assert.Empty(await ServiceKeys.ProblemsAsync(EventerService.Named("webhook-notifier"), configured.Services["webhook-notifier"].Environment));
    }

    [Fact]
    public void Prometheus_scrapes_every_eventer_service_on_8084()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepositoryRoot.Combine("deploy", "compose", "prometheus.yml")))
        {
            stream.Load(reader);
        }

        var targets = stream.Documents[0].AllNodes.OfType<YamlMappingNode>()
            .Where(m => m.Children.ContainsKey("targets"))
            .SelectMany(m => ((YamlSequenceNode)m["targets"]).Children.Select(t => ((YamlScalarNode)t).Value!))
            .ToHashSet();
        foreach (var name in ((IEnumerable<object[]>)EventerServices).Select(row => (string)row[0]))
        {
            var service = Compose.Services[name];
            Assert.True(service.HostNames.Any(host => targets.Contains($"{host}:8084")), $"prometheus.yml scrapes none of {string.Join(", ", service.HostNames)} on 8084");
        }

        Assert.Contains(Compose.Services["prometheus"].Volumes, v => v.StartsWith("./deploy/compose/prometheus.yml:/etc/prometheus/prometheus.yml", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_file_it_mounts_from_the_repository_exists()
    {
        var sources = Compose.Services.Values.SelectMany(s => s.Volumes).Select(v => v.Split(':')[0]).Where(s => s.StartsWith("./", StringComparison.Ordinal)).ToList();
        Assert.Contains("./deploy/compose/k3s/workload.yaml", sources);
        foreach (var source in sources.Where(s => s != "./eventer.kubeconfig"))
        {
            var path = RepositoryRoot.Combine(source[2..].Split('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"{source} is mounted but does not exist");
        }
    }

    [Fact]
    public void The_k3s_workload_lands_in_its_auto_deploy_folder()
    {
        Assert.Contains(Compose.Services["k3s"].Volumes, v => v.StartsWith("./deploy/compose/k3s/workload.yaml:/var/lib/rancher/k3s/server/manifests/", StringComparison.Ordinal));
        Assert.Equal("true", Compose.Services["k3s"].Scalar("privileged"));
    }
}
