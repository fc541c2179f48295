using System.Text;

namespace Eventer.SimCluster;

/// <summary>
/// What real Events say, as the kubelet, the scheduler and the controllers write it: short lines
/// for the routine, and the long ones that make Events heavy — a probe's HTTP body, the scheduler's
/// node-by-node reasons, a registry's error chain — up to a few KB.
/// </summary>
internal static class EventTexts
{
    public static string BackOff(string pod, string ns) =>
        $"Back-off restarting failed container app in pod {pod}_{ns}({Guid.NewGuid()})";

    public static string ProbeFailed(Random random, string kind)
    {
        if (random.Next(3) == 0)
        {
            return $"{kind} probe failed: Get \"http://10.42.{random.Next(256)}.{random.Next(256)}:8080/healthz\": dial tcp 10.42.0.17:8080: connect: connection refused";
        }

        // An HTTP probe quotes the start of the body it got: often a JSON health report.
        var body = new StringBuilder("{\"status\":\"DOWN\",\"components\":{");
        var parts = random.Next(4, 40);
        for (var i = 0; i < parts; i++)
        {
            body.Append($"\"dependency-{i}\":{{\"status\":\"{(i % 3 == 0 ? "DOWN" : "UP")}\",\"details\":{{\"latencyMs\":{random.Next(2000)},\"error\":\"timeout after 1000ms waiting for connection from pool\"}}}},");
        }

        body.Length--;
        body.Append("}}");
        return $"{kind} probe failed: HTTP probe failed with statuscode: 503, body: {body}";
    }

    public static string FailedScheduling(Random random)
    {
        var nodes = random.Next(3, 60);
        var taint = random.Next(1, nodes);
        var memory = nodes - taint;
        return $"0/{nodes} nodes are available: {taint} node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}, "
            + $"{memory} Insufficient memory. preemption: 0/{nodes} nodes are available: {taint} Preemption is not helpful for scheduling, "
            + $"{memory} No preemption victims found for incoming pod.";
    }

    public static string PullFailed(string image) =>
        $"Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": "
        + $"failed to resolve reference \"{image}\": {image}: not found";

    public static string PullBackOff(string image) => $"Back-off pulling image \"{image}\"";

    public static string FailedMount(Random random, string pod)
    {
        var text = new StringBuilder($"MountVolume.SetUp failed for volume \"secrets-{pod}\" : failed to sync secret cache: timed out waiting for the condition");
        // Some mounts fail with the whole CSI driver's error chain.
        for (var i = random.Next(0, 12); i > 0; i--)
        {
            text.Append($"; rpc error: code = Internal desc = mount failed: exit status 32 Mounting command: mount Mounting arguments: -t nfs 10.0.{i}.4:/exports/{pod} /var/lib/kubelet/pods/{Guid.NewGuid()}/volumes/kubernetes.io~csi/pvc-{Guid.NewGuid()}/mount Output: mount.nfs: Connection timed out");
        }

        return text.ToString();
    }
}
