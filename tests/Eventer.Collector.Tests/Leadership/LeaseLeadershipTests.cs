using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Eventer.Collector.Leadership;
using Eventer.Testing;
using Eventer.Testing.Kubernetes;
using Eventer.Testing.Network;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Eventer.Collector.Tests.Leadership;

/// <summary>Mode <c>lease</c>: <see cref="LeaseLock"/> against the fake apiserver's Leases.</summary>
[Trait("Category", "Integration")]
public sealed class LeaseLeadershipTests(ITestOutputHelper output) : IAsyncLifetime
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
    public async Task A_leader_whose_connection_freezes_stops_leading_before_the_follower_leads_within_the_bound()
    {
        // The leader reaches the apiserver through a proxy; freezing it is a leader that vanished
        // (node loss, a partition): no reset, every call just hangs.
        await using var proxy = await TcpProxy.StartAsync(_api.Address.Host, _api.Address.Port);
        await using var candidates = new Candidates();
        var a = await StartAsync(candidates, client: Client($"http://{proxy.Host}:{proxy.Port}"));
        await candidates.LeadsAsync(a);
        var b = await StartAsync(candidates);
        await Eventually.HoldsAsync(() => b.Leader == a.Identity, Deadline, "the follower to see the leader");
        long stoppedAt = 0, ledAt = 0;
        a.LeadershipChanged += (_, leading) => stoppedAt = leading ? 0 : Stopwatch.GetTimestamp();
        b.LeadershipChanged += (_, leading) => ledAt = leading ? Stopwatch.GetTimestamp() : 0;

        proxy.Freeze();
        var frozenAt = Stopwatch.GetTimestamp();

        await candidates.LeadsAsync(b);
        var (lease, renew, retry) = Candidates.Fast;
        var stopped = Stopwatch.GetElapsedTime(frozenAt, stoppedAt);
        var takeover = Stopwatch.GetElapsedTime(frozenAt, ledAt);
        output.WriteLine($"lease {lease.TotalSeconds} s, renew deadline {renew.TotalSeconds} s, retry {retry.TotalSeconds} s: "
            + $"the frozen leader stopped {stopped.TotalSeconds:0.00} s after the freeze, the follower led {takeover.TotalSeconds:0.00} s after it");
        Assert.False(a.IsLeader);
        Assert.NotEqual(0, stoppedAt);
        Assert.True(stoppedAt < ledAt, "the follower led before the frozen leader stopped");
        Assert.Equal(1, candidates.MostLeadersAtOnce);
        // The leader stops once a renewal has not succeeded within the renew deadline; the follower
        // takes over once it has seen the same record for the lease duration, checked every retry period.
        Assert.InRange(stopped, TimeSpan.Zero, retry + renew + TimeSpan.FromSeconds(0.5));
        Assert.InRange(takeover, TimeSpan.Zero, lease + retry * 2 + TimeSpan.FromSeconds(1));
        Assert.Equal(b.Identity, Spec()["holderIdentity"]?.GetValue<string>());

        proxy.Thaw();

        // The requests the freeze held arrive late: they must not give the lease back to the old leader.
        await Eventually.HoldsAsync(() => a.Leader == b.Identity, Deadline, "the old leader to see the new one");
        await Continually.HoldsForAsync(() => !a.IsLeader && b.IsLeader && Spec()["holderIdentity"]?.GetValue<string>() == b.Identity,
            lease, "the new leader to keep the lease after the thaw");
        Assert.Equal(1, candidates.MostLeadersAtOnce);
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

    private async Task<LeaderGate> StartAsync(Candidates candidates, TimeSpan? leaseDuration = null, Kubernetes? client = null)
    {
        var options = Candidates.Options(_lease, leaseDuration);
        options.LeaseNamespace = Namespace;
        return await candidates.StartAsync(options, LeaderLocks.Create(options, () => client ?? Client())!);
    }

    // One client per replica, as separate pods would have.
    private Kubernetes Client()
    {
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfig));
        _clients.Add(client);
        return client;
    }

    // A client of the fake at another address (through a proxy), with its token, as from a kubeconfig.
    private Kubernetes Client(string host)
    {
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = host, AccessToken = _api.Token });
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
