using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.Contracts;

namespace Eventer.EsIndexer.Indexing;

/// <summary>
/// One <c>create</c> action of a <c>_bulk</c> body: action line and document line, serialized
/// once. <c>create</c> with the occurrence's own id makes a resend answer 409, never a second document.
/// </summary>
public sealed record BulkItem(KubeEventObserved Message, string Index, string Id, byte[] Lines, bool IsDeadLetter)
{
    /// <summary>The trace the occurrence was observed in; the bulk request that carries it joins it.</summary>
    public ActivityContext Trace { get; init; }

    /// <summary>Elasticsearch refuses ids longer than 512 bytes.</summary>
    private const int MaxIdBytes = 512;

    public static BulkItem For(KubeEventObserved message, string index, ActivityContext trace)
    {
        var id = IdOf(message);
        return new BulkItem(message, index, id, Serialize(index, id, EventDocument.Build(message)), IsDeadLetter: false) { Trace = trace };
    }

    /// <summary>The item that records this one in the dead-letter index, with the reason and the original document (cut at <paramref name="maxOriginalBytes"/>).</summary>
    public BulkItem DeadLetter(string deadLetterIndex, int status, string type, string reason, int maxOriginalBytes)
    {
        var original = Encoding.UTF8.GetString(Lines.AsSpan(Lines.AsSpan().IndexOf((byte)'\n') + 1)).TrimEnd('\n');
        if (Encoding.UTF8.GetByteCount(original) > maxOriginalBytes)
        {
            original = original[..Math.Min(original.Length, maxOriginalBytes / 4)] + "…(cut)";
        }

        var document = new JsonObject
        {
            ["@timestamp"] = DateTimeOffset.UtcNow.UtcDateTime.ToString("O"),
            ["event"] = new JsonObject { ["id"] = OccurrenceKey.For(Message), ["original"] = original },
            ["error"] = new JsonObject { ["code"] = status, ["type"] = type, ["message"] = reason },
            ["orchestrator"] = new JsonObject { ["cluster"] = new JsonObject { ["name"] = Message.Cluster } },
            ["intended_index"] = Index,
        };
        return new BulkItem(Message, deadLetterIndex, Id, Serialize(deadLetterIndex, Id, document), IsDeadLetter: true) { Trace = Trace };
    }

    private static string IdOf(KubeEventObserved message)
    {
        var key = OccurrenceKey.For(message);
        return Encoding.UTF8.GetByteCount(key) <= MaxIdBytes ? key : OccurrenceKey.MessageIdFor(key).ToString();
    }

    /// <summary>
    /// Two lines, each ending in <c>\n</c>; System.Text.Json escapes every newline inside strings.
    /// One writer into one buffer sized for a typical item (1.5 KB): every occurrence goes through here.
    /// </summary>
    private static byte[] Serialize(string index, string id, JsonObject document)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteStartObject("create");
        writer.WriteString("_index", index);
        writer.WriteString("_id", id);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        buffer.Write("\n"u8);

        writer.Reset(buffer);
        document.WriteTo(writer);
        writer.Flush();
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
