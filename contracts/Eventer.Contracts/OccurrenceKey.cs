using System.Security.Cryptography;
using System.Text;

namespace Eventer.Contracts;

/// <summary>
/// The identity of one occurrence of an Event: cluster + event uid + occurrence number.
/// Every stage deduplicates on it (the collector's outbox, the archive's rows,
/// Elasticsearch ids, the notifier's inbox), through <see cref="MessageIdFor(string)"/>.
/// </summary>
public static class OccurrenceKey
{
    /// <summary>
    /// The UUIDv5 namespace of eventer's message ids. Never change it: every id ever
    /// published derives from it.
    /// </summary>
    public static readonly Guid Namespace = new("3f6c2a8e-5b1d-4e7a-9c0f-7d2e8b4a6c15");

    /// <summary>
    /// The occurrence number of an Event: <c>series.count ?? count ?? 1</c>. Counts below 1
    /// mean "not set" (events.k8s.io/v1 writes <c>deprecatedCount: 0</c>), so they fall through.
    /// </summary>
    public static int OccurrenceOf(int? seriesCount, int? count) =>
        seriesCount is > 0 ? seriesCount.Value : count is > 0 ? count.Value : 1;

    /// <summary>The key <c>cluster/uid/occurrence</c>.</summary>
    public static string For(string cluster, string eventUid, int occurrence)
    {
        ArgumentException.ThrowIfNullOrEmpty(cluster);
        ArgumentException.ThrowIfNullOrEmpty(eventUid);
        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        return $"{cluster}/{eventUid}/{occurrence}";
    }

    /// <summary>The key of a published occurrence.</summary>
    public static string For(KubeEventObserved message) =>
        For(message.Cluster, message.EventUid, message.Occurrence);

    /// <summary>The deterministic MassTransit <c>MessageId</c> of an occurrence: UUIDv5 of its key.</summary>
    public static Guid MessageIdFor(string occurrenceKey) => Uuid5(Namespace, occurrenceKey);

    /// <summary>The deterministic MassTransit <c>MessageId</c> of an occurrence.</summary>
    public static Guid MessageIdFor(KubeEventObserved message) => MessageIdFor(For(message));

    /// <summary>RFC 9562 UUID version 5: SHA-1 over the namespace (network byte order) and the UTF-8 name.</summary>
    public static Guid Uuid5(Guid @namespace, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        @namespace.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);

        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        var uuid = hash[..16];
        uuid[6] = (byte)((uuid[6] & 0x0F) | 0x50); // version 5
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(uuid, bigEndian: true);
    }
}
