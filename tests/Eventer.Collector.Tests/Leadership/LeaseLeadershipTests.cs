using System.Net;
using System.Text.Json.Nodes;
using Eventer.Collector.Leadership;
using Eventer.Testing;
using Eventer.Testing.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Eventer.Collector.Tests.Leadership;

/// <summary>Mode <c>lease</c>: KubernetesClient's LeaseLock against the fake apiserver's Leases.</summary>
[Trait("Category", "Integration")]
public sealed class LeaseLeadershipTests : IAsyncLifetime
{
    private const string Namespace = "eventer";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _lease = Candidates.NewLeaseName();
    private readonly List<Kubernetes> _clients = [];
    private FakeKubeApiServer _api = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync();
        _kubeconfig = _api.WriteKubeconfig();
    }

    public async Task DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        await _api.DisposeAsync();
        File.Delete(_kubeconfig);
    }

    [Fact]
    public async Task One_replica_leads_the_lease_names_it_and_a_crash_hands_over_to_the_other()
    {
        await using var candidates = new Candidates();
        var a = await StartAsync(candidates);
        var b = await StartAsync(candidates);

        var leader = await candidates.OneLeadsAsync();
        var follower = leader == a ? b : a;
        Assert.Equal(leader.Identity, Spec()["holderIdentity"]?.GetValue<string>());
        Assert.Equal(3, Spec()["leaseDurationSeconds"]?.GetValue<int>());

        candidates.Crash(leader);

        await candidates.LeadsAsync(follower);
        await Eventually.HoldsAsync(() => Spec()["holderIdentity"]?.GetValue<string>() == follower.Identity, Deadline, "the lease to name the follower");
        Assert.Equal(1, Spec()["leaseTransitions"]?.GetValue<int>());
        Assert.Equal(1, candidates.MostLeadersAtOnce);
        Assert.DoesNotContain(candidates.Logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_stopped_leader_releases_the_lease_and_the_follower_takes_over_at_once()
    {
        await using var candidates = new Candidates();
        var a = await StartAsync(candidates, TimeSpan.FromSeconds(60));
        var b = await StartAsync(candidates, TimeSpan.FromSeconds(60));
        var leader = await candidates.OneLeadsAsync();
        var follower = leader == a ? b : a;
        await Eventually.HoldsAsync(() => follower.Leader == leader.Identity, Deadline, "the follower to see the leader");

        await candidates.StopAsync(leader);

        await candidates.LeadsAsync(follower, within: TimeSpan.FromSeconds(15));
        Assert.Equal(follower.Identity, Spec()["holderIdentity"]?.GetValue<string>());
        Assert.Equal(1, candidates.MostLeadersAtOnce);
        Assert.DoesNotContain(candidates.Logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task The_fake_answers_leases_as_a_real_server_does()
    {
        var client = Client();
        var leases = client.CoordinationV1;
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = _lease, NamespaceProperty = Namespace },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15, RenewTime = new DateTime(2026, 11, 27, 9, 0, 0, 123, 456, DateTimeKind.Utc) },
        };

        await AssertStatusAsync(HttpStatusCode.NotFound, () => leases.ReadNamespacedLeaseAsync(_lease, Namespace));
        var created = await leases.CreateNamespacedLeaseAsync(lease, Namespace);
        await AssertStatusAsync(HttpStatusCode.Conflict, () => leases.CreateNamespacedLeaseAsync(lease, Namespace));

        var read = await leases.ReadNamespacedLeaseAsync(_lease, Namespace);
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal(lease.Spec.RenewTime, read.Spec.RenewTime);
        Assert.Equal("2026-11-27T09:00:00.123456Z", Spec()["renewTime"]?.GetValue<string>());

        read.Spec.HolderIdentity = "b";
        var replaced = await leases.ReplaceNamespacedLeaseAsync(read, _lease, Namespace);
        Assert.NotEqual(read.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);
        Assert.Equal(created.Metadata.Uid, replaced.Metadata.Uid);

        read.Spec.HolderIdentity = "c";
        await AssertStatusAsync(HttpStatusCode.Conflict, () => leases.ReplaceNamespacedLeaseAsync(read, _lease, Namespace));
        Assert.Equal("b", Spec()["holderIdentity"]?.GetValue<string>());
        Assert.Equal("Lease", _api.Lease(Namespace, _lease)!["kind"]?.GetValue<string>());
        Assert.Single((await leases.ListNamespacedLeaseAsync(Namespace)).Items);

        using var stranger = new HttpClient();
        using var refused = await stranger.GetAsync(new Uri(_api.Address, $"/apis/coordination.k8s.io/v1/namespaces/{Namespace}/leases/{_lease}"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private async Task<LeaderGate> StartAsync(Candidates candidates, TimeSpan? leaseDuration = null)
    {
        var options = Candidates.Options(_lease, leaseDuration, LeadershipMode.Lease);
        options.LeaseNamespace = Namespace;
        return await candidates.StartAsync(options, LeaderLocks.Create(options, Client)!);
    }

    // One client per replica, as separate pods would have.
    private Kubernetes Client()
    {
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfig));
        _clients.Add(client);
        return client;
    }

    private JsonObject Spec() => _api.Lease(Namespace, _lease)?["spec"]?.AsObject() ?? [];

    private static async Task AssertStatusAsync(HttpStatusCode expected, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal(expected, ex.Response.StatusCode);
    }
}
