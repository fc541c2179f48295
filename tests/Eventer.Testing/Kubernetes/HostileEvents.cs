using System.Text.Json.Nodes;

namespace Eventer.Testing.Kubernetes;

/// <summary>
/// A core/v1 Event a real cluster can hold but that is hard to store or read. <see cref="Readable"/>
/// says whether KubernetesClient can read it at all (if not, the collector skips it and counts a
/// malformed line). <see cref="Verbatim"/>, when set, is JSON text the Event must be served with in
/// place of the stand-in string it holds (see <see cref="FakeKubeApiServer.ServeVerbatim"/>).
/// </summary>
public sealed record HostileEvent(string Case, JsonObject Event, bool Readable, (string StandIn, string Json)? Verbatim = null)
{
    /// <summary>The pod the event is about: <c>hostile-&lt;case&gt;</c>.</summary>
    public string PodName => (string)Event["involvedObject"]!["name"]!;

    /// <summary>Adds the event to <paramref name="api"/> (and serves its verbatim text in lists); returns its uid.</summary>
    public string AddTo(FakeKubeApiServer api)
    {
        if (Verbatim is { } verbatim)
        {
            api.ServeVerbatim(verbatim.StandIn, verbatim.Json);
        }

        return KubeEvents.Uid(api.Add(Event.DeepClone().AsObject()));
    }

    /// <summary>Sends the event to every open watch as a raw ADDED line, verbatim text included; returns its uid.</summary>
    public string SendAsWatchLine(FakeKubeApiServer api)
    {
        var @event = Event.DeepClone().AsObject();
        var uid = Guid.NewGuid().ToString();
        @event["metadata"]!["uid"] = uid;
        @event["metadata"]!["resourceVersion"] = "1";
        var line = new JsonObject { ["type"] = "ADDED", ["object"] = @event }.ToJsonString();
        api.SendMalformedLine(Verbatim is { } verbatim ? line.Replace(verbatim.StandIn, verbatim.Json, StringComparison.Ordinal) : line);
        return uid;
    }
}

/// <summary>The hostile Events of issue 9: each must leave the events after it flowing.</summary>
public static class HostileEvents
{
    public const string Nul = "nul";
    public const string LoneSurrogate = "lone-surrogate";
    public const string MegabyteMessage = "megabyte-message";
    public const string TenThousandLabels = "ten-thousand-labels";
    public const string FirstInstant = "first-instant";
    public const string LastInstant = "last-instant";
    public const string YearZero = "year-0000";
    public const string Year10000 = "year-10000";
    public const string WrongType = "wrong-type";

    /// <summary>The message of <see cref="Nul"/>; the collector stores it as <c>disk\uFFFDfull</c>.</summary>
    public const string NulMessage = "disk\0full";

    public const int MegabyteLength = 1024 * 1024;

    /// <summary>Every case, in namespace <paramref name="ns"/>.</summary>
    public static IReadOnlyList<HostileEvent> All(string ns) =>
    [
        Case(Nul, ns, e =>
        {
            e["message"] = NulMessage;
            e["metadata"]!["labels"] = new JsonObject { ["team\0"] = "shop\0" };
        }),

        // A lone surrogate cannot come through a JSON string the client reads: it is unreadable.
        Case(LoneSurrogate, ns, e => e["message"] = "@lone-surrogate", readable: false, ("\"@lone-surrogate\"", "\"broken \\ud800 text\"")),
        Case(MegabyteMessage, ns, e => e["message"] = new string('x', MegabyteLength)),
        Case(TenThousandLabels, ns, e => e["metadata"]!["labels"] = new JsonObject(
            Enumerable.Range(0, 10_000).Select(i => KeyValuePair.Create($"label-{i}", (JsonNode?)$"value-{i}")))),

        // Extreme, but inside .NET's DateTime: read and carried as they are.
        Case(FirstInstant, ns, e => Timestamps(e, "0001-01-01T00:00:00Z")),
        Case(LastInstant, ns, e => Timestamps(e, "9999-12-31T23:59:59Z")),

        // Outside it, or of the wrong type: the client cannot read the Event.
        Case(YearZero, ns, e => Timestamps(e, "0000-01-01T00:00:00Z"), readable: false),
        Case(Year10000, ns, e => Timestamps(e, "10000-01-01T00:00:00Z"), readable: false),
        Case(WrongType, ns, e => e["count"] = "many", readable: false),
    ];

    private static HostileEvent Case(string name, string ns, Action<JsonObject> change, bool readable = true, (string, string)? verbatim = null)
    {
        var @event = KubeEvents.CoreV1(ns, $"hostile-{name}", "Hostile", $"hostile {name}");
        change(@event);
        return new HostileEvent(name, @event, readable, verbatim);
    }

    private static void Timestamps(JsonObject @event, string time)
    {
        @event["firstTimestamp"] = time;
        @event["lastTimestamp"] = time;
    }
}
