using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Eventer.Contracts;
using Eventer.DingTalkNotifier.Delivery;
using Eventer.DingTalkNotifier.Persistence;
using Eventer.DingTalkNotifier.Routing;
using Fluid;
using Microsoft.Extensions.Options;

namespace Eventer.DingTalkNotifier.Rendering;

/// <summary>A message ready to send: the title DingTalk shows in the chat list, the markdown text, the mentions.</summary>
public sealed record RenderedAlert(string Title, string Text, Mentions Mentions);

/// <summary>
/// Turns planned alerts into DingTalk markdown with the built-in Liquid templates or a route's own,
/// writes the @-mentions into the text as DingTalk requires, adds the robot's keyword when the
/// text lacks it, and keeps the text under the byte limit by cutting it with a marker.
/// </summary>
public sealed class AlertRenderer
{
    public const string TruncationMarker = "\n\n…(truncated)";

    private const int MaxSummaryGroups = 10;
    private const int MaxSummaryLines = 10;
    private const int MaxSummaryNames = 3;
    private const int MaxSummaryMessage = 120;

    private static readonly TemplateOptions Options = CreateOptions();
    private static readonly IFluidTemplate AlertTemplate = AlertTemplates.Builtin("alert");
    private static readonly IFluidTemplate SummaryTemplate = AlertTemplates.Builtin("summary");

    private readonly NotifierOptions _options;
    private readonly AlertTimeZone _zone;
    private readonly Dictionary<string, IFluidTemplate> _routeTemplates;
    private readonly IFluidTemplate? _linkTemplate;
    private readonly ILogger<AlertRenderer> _logger;

    public AlertRenderer(IOptions<NotifierOptions> options, ILogger<AlertRenderer>? logger = null)
    {
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<AlertRenderer>.Instance;
        _options = options.Value;
        _zone = new AlertTimeZone(AlertTimeZone.Find(_options.TimeZone) ?? TimeZoneInfo.Utc);
        _routeTemplates = _options.Routes
            .Select((r, i) => (Name: r.DisplayName(i), r.Template))
            .Where(r => !string.IsNullOrEmpty(r.Template))
            .ToDictionary(r => r.Name, r => AlertTemplates.Parse(r.Template!));
        _linkTemplate = string.IsNullOrEmpty(_options.LinkTemplate) ? null : AlertTemplates.Parse(_options.LinkTemplate);
    }

    /// <summary>Renders <paramref name="alert"/> for <paramref name="robot"/>; the text never exceeds <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public RenderedAlert Render(PlannedAlert alert, RobotOptions robot, int maxBytes)
    {
        var latest = alert.Alerts.MaxBy(a => a.Id)!;
        var (title, body, mentions) = alert.Shape switch
        {
            AlertShape.Single or AlertShape.Folded => (
                MarkdownText.Title($"{latest.Event.Type} {latest.Event.Reason}: {latest.Event.InvolvedObject.Kind} {latest.Event.InvolvedObject.Name}"),
                RenderEvent(latest, alert.Alerts.Count),
                alert.Alerts.Select(a => a.Mentions).Aggregate(Mentions.None, (all, m) => all.Union(m))),
            AlertShape.Summary => (
                $"{alert.Alerts.Count} more {Noun(alert.Alerts)}",
                RenderSummary(alert.Alerts, heldBack: false),
                alert.Alerts.Select(a => a.Mentions).Aggregate(Mentions.None, (all, m) => all.Union(m))),
            _ => (
                $"{alert.Alerts.Count} older {Noun(alert.Alerts)} held back",
                RenderSummary(alert.Alerts, heldBack: true),
                // Old news wakes nobody.
                Mentions.None),
        };

        body = body.Trim();
        var text = Fit(body, Footer(mentions, robot, body), maxBytes);
        if (!string.IsNullOrEmpty(robot.Keyword) && !text.Contains(robot.Keyword, StringComparison.Ordinal))
        {
            // The cut took the keyword with it: DingTalk would refuse the message (310000).
            text = Fit(body, Footer(mentions, robot, body: ""), maxBytes);
        }

        return new RenderedAlert(title, text, mentions);
    }

    private string RenderEvent(PendingAlert alert, int folded)
    {
        var e = alert.Event;
        var model = new EventAlertModel
        {
            Icon = Icon(e.Type),
            Type = MarkdownText.Escape(e.Type),
            Reason = MarkdownText.Escape(e.Reason),
            Cluster = MarkdownText.Escape(e.Cluster),
            Namespace = MarkdownText.Escape(e.InvolvedObject.Namespace),
            Kind = MarkdownText.Escape(e.InvolvedObject.Kind),
            Name = MarkdownText.Escape(e.InvolvedObject.Name),
            FieldPath = MarkdownText.Escape(e.InvolvedObject.FieldPath),
            Message = MarkdownText.Escape(e.Message),
            Count = e.Occurrence,
            Folded = folded,
            FirstSeen = _zone.Format(e.FirstTimestamp ?? e.EventTime ?? LastSeenOf(e)),
            LastSeen = _zone.Format(LastSeenOf(e)),
            Source = MarkdownText.Escape(Source(e)),
            EventName = MarkdownText.Escape(e.EventName),
            EventUid = MarkdownText.Escape(e.EventUid),
            Link = Link(e),
        };
        if (_routeTemplates.GetValueOrDefault(alert.Route) is { } custom)
        {
            try
            {
                return custom.Render(new TemplateContext(model, Options), NullEncoder.Default);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A template that parsed can still fail on some event (e.g. too many steps): the
                // alert goes out in the built-in form rather than not at all.
                _logger.LogWarning(ex, "The template of route {Route} failed; the built-in one is used for this alert", alert.Route);
            }
        }

        return AlertTemplate.Render(new TemplateContext(model, Options), NullEncoder.Default);
    }

    private string RenderSummary(IReadOnlyList<PendingAlert> alerts, bool heldBack)
    {
        var groups = alerts
            .GroupBy(a => (a.Event.Cluster, Namespace: EventMatcher.NamespaceOf(a.Event)))
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key.Namespace, StringComparer.Ordinal)
            .ToList();
        var shown = groups.Take(MaxSummaryGroups).Select(g => new SummaryGroup
        {
            Label = $"**{MarkdownText.Escape(g.Key.Cluster)}** › `{MarkdownText.Escape(g.Key.Namespace)}`",
            Total = g.Count(),
            Lines = SummaryLines(g),
        }).ToList();
        var model = new SummaryModel
        {
            HeldBack = heldBack,
            Icon = alerts.All(a => a.Event.Type == "Warning") ? Icon("Warning") : Icon(""),
            Total = alerts.Count,
            Noun = Noun(alerts),
            Since = _zone.FormatTimeOfDay(alerts.Min(a => a.LastSeen)),
            Oldest = _zone.Format(alerts.Min(a => a.LastSeen)),
            Newest = _zone.Format(alerts.Max(a => a.LastSeen)),
            MaxAge = Describe(_options.MaxAge),
            Groups = shown,
            MoreGroups = groups.Count - shown.Count,
            MoreGroupsTotal = groups.Skip(shown.Count).Sum(g => g.Count()),
            ArchiveUrl = _options.ArchiveUrl ?? "",
        };
        return SummaryTemplate.Render(new TemplateContext(model, Options), NullEncoder.Default);
    }

    private static List<SummaryLine> SummaryLines(IEnumerable<PendingAlert> group)
    {
        var lines = group
            .GroupBy(a => (a.Event.Reason, a.Event.InvolvedObject.Kind))
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key.Reason, StringComparer.Ordinal)
            .ToList();
        var shown = lines.Take(MaxSummaryLines).Select(g =>
        {
            var names = g.Select(a => a.Event.InvolvedObject.Name).Distinct(StringComparer.Ordinal).ToList();
            var listed = string.Join(", ", names.Take(MaxSummaryNames).Select(MarkdownText.Escape));
            var message = g.MaxBy(a => a.Id)!.Event.Message;
            return new SummaryLine
            {
                Reason = MarkdownText.Escape(g.Key.Reason),
                Kind = MarkdownText.Escape(g.Key.Kind),
                Count = g.Count(),
                Names = names.Count > MaxSummaryNames ? $"{listed} and {names.Count - MaxSummaryNames} more" : listed,
                Message = MarkdownText.Escape(message.Length > MaxSummaryMessage ? message[..MaxSummaryMessage] + "…" : message),
            };
        }).ToList();
        if (lines.Count > shown.Count)
        {
            shown.Add(new SummaryLine
            {
                Reason = "other reasons",
                Kind = $"{lines.Count - shown.Count} more",
                Count = lines.Skip(shown.Count).Sum(g => g.Count()),
            });
        }

        return shown;
    }

    private string Link(KubeEventObserved e)
    {
        if (_linkTemplate is null)
        {
            return "";
        }

        var model = new LinkModel
        {
            Cluster = Uri.EscapeDataString(e.Cluster),
            Namespace = Uri.EscapeDataString(e.InvolvedObject.Namespace),
            Kind = Uri.EscapeDataString(e.InvolvedObject.Kind),
            Name = Uri.EscapeDataString(e.InvolvedObject.Name),
            Reason = Uri.EscapeDataString(e.Reason),
            EventUid = Uri.EscapeDataString(e.EventUid),
            EventName = Uri.EscapeDataString(e.EventName),
            FirstSeen = Uri.EscapeDataString((e.FirstTimestamp ?? LastSeenOf(e)).ToString("O", CultureInfo.InvariantCulture)),
            LastSeen = Uri.EscapeDataString(LastSeenOf(e).ToString("O", CultureInfo.InvariantCulture)),
        };
        string url;
        try
        {
            url = _linkTemplate.Render(new TemplateContext(model, Options), NullEncoder.Default).Trim();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "The link template failed; this alert goes without a link");
            return "";
        }


        // Inside [text](url) a parenthesis or space would end the link early.
        return url.Replace("(", "%28").Replace(")", "%29").Replace(" ", "%20");
    }

    /// <summary>The @-mentions written into the text (DingTalk only notifies those it finds there) and the robot's keyword.</summary>
    private static string Footer(Mentions mentions, RobotOptions robot, string body)
    {
        var footer = new StringBuilder();
        var at = mentions.AtMobiles.Concat(mentions.AtUserIds).Select(m => "@" + m).ToList();
        if (at.Count > 0)
        {
            footer.Append("\n\n").AppendJoin(' ', at);
        }

        if (!string.IsNullOrEmpty(robot.Keyword) && !body.Contains(robot.Keyword, StringComparison.Ordinal))
        {
            footer.Append("\n\n").Append(robot.Keyword);
        }

        return footer.ToString();
    }

    /// <summary>Body plus footer within <paramref name="maxBytes"/>: the body is cut, never the mentions or the keyword.</summary>
    public static string Fit(string body, string footer, int maxBytes)
    {
        var utf8 = Encoding.UTF8;
        if (utf8.GetByteCount(body) + utf8.GetByteCount(footer) <= maxBytes)
        {
            return body + footer;
        }

        var room = maxBytes - utf8.GetByteCount(footer) - utf8.GetByteCount(TruncationMarker);
        var cut = body;
        var length = body.Length;
        while (length > 0 && utf8.GetByteCount(cut) > room)
        {
            // Bytes per char are 1-4: step down proportionally, then by one.
            length = Math.Min(length - 1, (int)((long)length * room / Math.Max(1, utf8.GetByteCount(cut))));
            length = Math.Max(0, length);
            if (length > 0 && char.IsHighSurrogate(body[length - 1]))
            {
                length--;
            }

            cut = body[..length];
        }

        // Never end on half an escape, which would escape the marker's first character.
        cut = cut.TrimEnd('\\');
        return cut + TruncationMarker + footer;
    }

    /// <summary>When the occurrence happened, as far as the event says (the collector's clock when it says nothing).</summary>
    public static DateTimeOffset LastSeenOf(KubeEventObserved e) =>
        e.LastTimestamp ?? e.Series?.LastObservedTime ?? e.EventTime ?? e.ObservedAt;

    private static string Source(KubeEventObserved e)
    {
        var controller = e.ReportingController.Length > 0 ? e.ReportingController : e.SourceComponent;
        var host = e.ReportingInstance.Length > 0 ? e.ReportingInstance : e.SourceHost;
        return host.Length > 0 && host != controller ? $"{controller} on {host}" : controller;
    }

    private static string Icon(string type) => type switch
    {
        "Warning" => "⚠️",
        "Normal" => "ℹ️",
        _ => "🔔",
    };

    private static string Noun(IReadOnlyList<PendingAlert> alerts) => alerts.All(a => a.Event.Type == "Warning")
        ? (alerts.Count == 1 ? "Warning" : "Warnings")
        : (alerts.Count == 1 ? "event" : "events");

    private static string Describe(TimeSpan age) =>
        age.TotalHours >= 1 && age.TotalHours % 1 == 0 ? $"{age.TotalHours:0} h"
        : age.TotalMinutes >= 1 && age.TotalMinutes % 1 == 0 ? $"{age.TotalMinutes:0} min"
        : $"{age.TotalSeconds:0} s";

    private static TemplateOptions CreateOptions()
    {
        // A configured template must not be able to stall the dispatcher with an endless loop.
        var options = new TemplateOptions { MaxSteps = 100_000 };
        options.MemberAccessStrategy.MemberNameStrategy = MemberNameStrategies.SnakeCase;
        options.MemberAccessStrategy.Register<EventAlertModel>();
        options.MemberAccessStrategy.Register<SummaryModel>();
        options.MemberAccessStrategy.Register<SummaryGroup>();
        options.MemberAccessStrategy.Register<SummaryLine>();
        options.MemberAccessStrategy.Register<LinkModel>();
        return options;
    }
}
