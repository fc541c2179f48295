using System.Globalization;
using System.Text.Json.Nodes;
using Eventer.Testing.Kubernetes;

namespace Eventer.SimCluster;

/// <summary>How many changes of each sort the mix has made (each new Event and each repeat is one occurrence to the collector).</summary>
public sealed record MixCounts(long Added, long Repeated, long Deleted)
{
    public long Occurrences => Added + Repeated;
}

/// <summary>
/// A cluster's Events, one change at a time, in a realistic mix: crash-looping pods (BackOff with
/// rising counts), failing probes, scheduling failures, image pull errors, failing mounts and
/// rollouts (Normal events). About half the changes repeat a live problem, as a real cluster's do;
/// the rest are new Events. Events are written in one API's shape, <paramref name="apiVersion"/>:
/// core/v1 repeats raise <c>count</c>, events.k8s.io/v1 repeats grow the <c>series</c>. With a
/// <c>ttl</c>, Events older than it are deleted, as the API server's <c>--event-ttl</c> does.
/// </summary>
public sealed class EventMix(FakeKubeApiServer api, string apiVersion = FakeKubeApiServer.CoreV1, int seed = 1, TimeSpan? ttl = null)
{
    private const int MostLiveProblems = 2_000;

    private static readonly string[] Namespaces = ["shop", "payments", "batch", "monitoring", "kube-system", "search", "checkout"];
    private static readonly string[] Apps = ["web", "api", "worker", "cart", "ledger", "indexer", "gateway", "exporter"];

    private readonly Random _random = new(seed);
    private readonly List<Problem> _live = [];
    private readonly Queue<(string Uid, DateTime Created)> _all = new();
    private long _added;
    private long _repeated;
    private long _deleted;

    public MixCounts Counts => new(Interlocked.Read(ref _added), Interlocked.Read(ref _repeated), Interlocked.Read(ref _deleted));

    /// <summary>Makes the next change (and deletes what the TTL let expire).</summary>
    public void Next()
    {
        ForgetExpired();
        if (_live.Count > 0 && _random.Next(2) == 0)
        {
            Repeat(_live[_random.Next(_live.Count)]);
            return;
        }

        switch (_random.Next(100))
        {
            case < 20: CrashLoop(); break;
            case < 38: Start("probe", Core(Ns(), Pod(), "Unhealthy", EventTexts.ProbeFailed(_random, _random.Next(2) == 0 ? "Readiness" : "Liveness"), "Warning"), repeats: true); break;
            case < 46: Start("scheduling", Core(Ns(), Pod(), "FailedScheduling", EventTexts.FailedScheduling(_random), "Warning", component: "default-scheduler"), repeats: true); break;
            case < 54: ImagePull(); break;
            case < 58: Mount(); break;
            case < 88: Rollout(); break;
            default: CrashLoop(); break;
        }
    }

    private void CrashLoop()
    {
        var (ns, pod) = (Ns(), Pod());
        Start("crashloop", Core(ns, pod, "BackOff", EventTexts.BackOff(pod, ns), "Warning"), repeats: true);
    }

    private void Mount()
    {
        var pod = Pod();
        Start("mount", Core(Ns(), pod, "FailedMount", EventTexts.FailedMount(_random, pod), "Warning"), repeats: true);
    }

    /// <summary>An image that does not exist: the pull fails, then the kubelet backs off (the back-off repeats).</summary>
    private void ImagePull()
    {
        var (ns, pod, image) = (Ns(), Pod(), Image());
        Start("image", Core(ns, pod, "Failed", EventTexts.PullFailed(image), "Warning"), repeats: false);
        Start("image", Core(ns, pod, "BackOff", EventTexts.PullBackOff(image), "Warning"), repeats: true);
    }

    /// <summary>A rollout step: one of the Normal Events a Deployment's new pod goes through.</summary>
    private void Rollout()
    {
        var (ns, app) = (Ns(), Apps[_random.Next(Apps.Length)]);
        var rs = $"{app}-{_random.Next(0x10000000):x7}";
        var pod = $"{rs}-{Suffix()}";
        JsonObject @event = _random.Next(7) switch
        {
            0 => Owner(Core(ns, app, "ScalingReplicaSet", $"Scaled up replica set {rs} to {_random.Next(1, 10)}", "Normal", component: "deployment-controller"), "Deployment", "apps/v1"),
            1 => Owner(Core(ns, rs, "SuccessfulCreate", $"Created pod: {pod}", "Normal", component: "replicaset-controller"), "ReplicaSet", "apps/v1"),
            2 => Core(ns, pod, "Scheduled", $"Successfully assigned {ns}/{pod} to node-{_random.Next(1, 40)}", "Normal", component: "default-scheduler"),
            3 => Core(ns, pod, "Pulling", $"Pulling image \"{Image()}\"", "Normal"),
            4 => Core(ns, pod, "Pulled", $"Successfully pulled image \"{Image()}\" in {_random.Next(200, 9000)}ms ({_random.Next(200, 9000)}ms including waiting). Image size: {_random.Next(10_000_000, 900_000_000)} bytes.", "Normal"),
            5 => Core(ns, pod, "Created", "Created container app", "Normal"),
            _ => Core(ns, pod, "Started", "Started container app", "Normal"),
        };
        Start("rollout", @event, repeats: false);
    }

    private void Start(string kind, JsonObject @event, bool repeats)
    {
        var stored = api.Add(apiVersion == FakeKubeApiServer.CoreV1 ? @event : NewShape(@event));
        var uid = KubeEvents.Uid(stored);
        Interlocked.Increment(ref _added);
        if (ttl is not null)
        {
            _all.Enqueue((uid, DateTime.UtcNow));
        }

        if (repeats)
        {
            if (_live.Count >= MostLiveProblems)
            {
                // The oldest problem is fixed: it stops repeating (its Event stays until the TTL).
                _live.RemoveAt(0);
            }

            _live.Add(new Problem(kind, uid));
        }
    }

    private void Repeat(Problem problem)
    {
        try
        {
            api.Modify(problem.Uid, e => Again(e, apiVersion), apiVersion);
            Interlocked.Increment(ref _repeated);
        }
        catch (KeyNotFoundException)
        {
            // Deleted by the TTL while it was still live.
            _live.Remove(problem);
        }
    }

    private static void Again(JsonObject @event, string apiVersion)
    {
        if (apiVersion == FakeKubeApiServer.CoreV1)
        {
            KubeEvents.Repeat(@event);
            return;
        }

        // The second occurrence starts the series at 2, as the events.k8s.io recorder does.
        var count = @event["series"]?["count"] is { } seen ? (int)seen + 1 : 2;
        @event["series"] = new JsonObject { ["count"] = count, ["lastObservedTime"] = MicroTime(DateTime.UtcNow) };
    }

    /// <summary>A core/v1 Event as the events.k8s.io/v1 API serves it (no series before its second occurrence).</summary>
    private static JsonObject NewShape(JsonObject core) => new()
    {
        ["apiVersion"] = FakeKubeApiServer.EventsV1,
        ["kind"] = "Event",
        ["metadata"] = core["metadata"]!.DeepClone(),
        ["eventTime"] = MicroTime(DateTime.Parse((string)core["firstTimestamp"]!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal)),
        ["reportingController"] = core["reportingComponent"]!.DeepClone(),
        ["reportingInstance"] = core["reportingInstance"]!.DeepClone(),
        ["action"] = (string)core["type"]! == "Normal" ? "Progressing" : "Failing",
        ["reason"] = core["reason"]!.DeepClone(),
        ["regarding"] = core["involvedObject"]!.DeepClone(),
        ["note"] = core["message"]!.DeepClone(),
        ["type"] = core["type"]!.DeepClone(),
    };

    private static string MicroTime(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    private void ForgetExpired()
    {
        if (ttl is not { } age)
        {
            return;
        }

        while (_all.TryPeek(out var oldest) && oldest.Created < DateTime.UtcNow - age)
        {
            _all.Dequeue();
            try
            {
                api.Delete(oldest.Uid, apiVersion);
                Interlocked.Increment(ref _deleted);
            }
            catch (KeyNotFoundException)
            {
                // Already gone.
            }

            // A live problem whose Event is gone leaves the live list at its next repeat.
        }
    }

    private JsonObject Core(string ns, string name, string reason, string message, string type, string component = "kubelet")
    {
        var @event = KubeEvents.CoreV1(ns, name, reason, message, type: type);
        @event["source"]!["component"] = component;
        @event["reportingComponent"] = component;
        var node = $"node-{_random.Next(1, 40)}";
        @event["source"]!["host"] = node;
        @event["reportingInstance"] = node;
        return @event;
    }

    private static JsonObject Owner(JsonObject @event, string kind, string apiVersion)
    {
        @event["involvedObject"]!["kind"] = kind;
        @event["involvedObject"]!["apiVersion"] = apiVersion;
        @event["involvedObject"]!.AsObject().Remove("fieldPath");
        return @event;
    }

    private string Ns() => Namespaces[_random.Next(Namespaces.Length)];

    private string Pod() => $"{Apps[_random.Next(Apps.Length)]}-{_random.Next(0x10000000):x7}-{Suffix()}";

    private string Image() => $"registry.example.com/team/{Apps[_random.Next(Apps.Length)]}:v{_random.Next(1, 40)}.{_random.Next(10)}";

    private string Suffix() => new([.. Enumerable.Range(0, 5).Select(_ => "bcdfghjklmnpqrstvwxz2456789"[_random.Next(27)])]);

    private sealed record Problem(string Kind, string Uid);
}
