using System.Globalization;
using System.Text.Encodings.Web;
using Eventer.Contracts;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;
using Eventer.Notifications.Routing;
using Fluid;

namespace Eventer.Notifications.Rendering;

/// <summary>
/// What any sink's message says about a planned alert, before it takes the sink's form: the models
/// the Liquid templates see (one event, or a storm summary or "held back" note with its groups),
/// every event text passed through the sink's escape; the link; the title; a route's own template
/// with the built-in one as fallback.
/// </summary>
public sealed class AlertContent
{
    private const int MaxSummaryGroups = 10;
    private const int MaxSummaryLines = 10;
    private const int MaxSummaryNames = 3;
    /// <summary>Characters of a message a summary line shows (a longer one is cut and marked).</summary>
    public const int MaxSummaryMessage = 120;

    private readonly DeliveryOptions _options;
    private readonly Func<string?, string> _escape;
    private readonly AlertTimeZone _zone;
    private readonly Dictionary<string, IFluidTemplate> _routeTemplates;
    private readonly IFluidTemplate? _linkTemplate;
    private readonly ILogger _logger;

    /// <param name="options">The notifier's settings (time zone, link template, routes' templates, archive URL).</param>
    /// <param name="escape">Makes one event text inert in the sink's format.</param>
    /// <param name="logger">Where a failing template is named.</param>
    public AlertContent(DeliveryOptions options, Func<string?, string> escape, ILogger logger)
    {
        _options = options;
        _escape = escape;
        _logger = logger;
        _zone = new AlertTimeZone(AlertTimeZone.Find(options.TimeZone) ?? TimeZoneInfo.Utc);
        _routeTemplates = options.RouteRules()
            .Select((r, i) => (Name: r.DisplayName(i), r.Template))
            .Where(r => !string.IsNullOrEmpty(r.Template))
            .ToDictionary(r => r.Name, r => AlertTemplates.Parse(r.Template!));
        _linkTemplate = string.IsNullOrEmpty(options.LinkTemplate) ? null : AlertTemplates.Parse(options.LinkTemplate);
    }

    /// <summary>Liquid options every template renders with: snake_case names, the models, a step limit.</summary>
    public static TemplateOptions TemplateOptions { get; } = CreateOptions();

    /// <summary>A one-line title (plain text, not escaped: platforms show titles as they are).</summary>
    public static string Title(PlannedAlert alert)
    {
        var latest = alert.Latest.Event;
        return alert.Shape switch
        {
            AlertShape.Single or AlertShape.Folded => OneLine($"{latest.Type} {latest.Reason}: {latest.InvolvedObject.Kind} {latest.InvolvedObject.Name}"),
            AlertShape.Summary => $"{alert.Alerts.Count} more {Noun(alert.Alerts)}",
            _ => $"{alert.Alerts.Count} older {Noun(alert.Alerts)} held back",
        };
    }

    /// <summary>Whom the message mentions: everyone its occurrences' routes named; nobody for old news.</summary>
    public static Mentions MentionsOf(PlannedAlert alert) => alert.Shape == AlertShape.HeldBack
        ? Mentions.None
        : alert.Alerts.Select(a => a.Mentions).Aggregate(Mentions.None, (all, m) => all.Union(m));

    /// <summary>
    /// The alert's text: a single or folded alert by its route's template (or <paramref name="alertTemplate"/>),
    /// a summary or held-back note by <paramref name="summaryTemplate"/>. Without
    /// <paramref name="routeTemplates"/> the route's own template is passed over.
    /// </summary>
    public string Render(PlannedAlert alert, IFluidTemplate alertTemplate, IFluidTemplate summaryTemplate, TextEncoder? encoder = null, bool routeTemplates = true)
    {
        encoder ??= NullEncoder.Default;
        if (alert.Shape is AlertShape.Summary or AlertShape.HeldBack)
        {
            return summaryTemplate.Render(new TemplateContext(Summary(alert.Alerts, alert.Shape == AlertShape.HeldBack), TemplateOptions), encoder);
        }

        var latest = alert.Latest;
        var model = Event(latest, alert.Alerts.Count);
        if (routeTemplates && _routeTemplates.GetValueOrDefault(latest.Route) is { } custom)
        {
            try
            {
                return custom.Render(new TemplateContext(model, TemplateOptions), encoder);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A template that parsed can still fail on some event (e.g. too many steps): the
                // alert goes out in the built-in form rather than not at all.
                _logger.LogWarning(ex, "The template of route {Route} failed; the built-in one is used for this alert", latest.Route);
            }
        }

        return alertTemplate.Render(new TemplateContext(model, TemplateOptions), encoder);
    }

    public EventAlertModel Event(PendingAlert alert, int folded)
    {
        var e = alert.Event;
        return new EventAlertModel
        {
            Icon = Icon(e.Type),
            Type = _escape(e.Type),
            Reason = _escape(e.Reason),
            Cluster = _escape(e.Cluster),
            Namespace = _escape(e.InvolvedObject.Namespace),
            Kind = _escape(e.InvolvedObject.Kind),
            Name = _escape(e.InvolvedObject.Name),
            FieldPath = _escape(e.InvolvedObject.FieldPath),
            Message = _escape(e.Message),
            Count = e.Occurrence,
            Folded = folded,
            FirstSeen = _zone.Format(e.FirstTimestamp ?? e.EventTime ?? LastSeenOf(e)),
            LastSeen = _zone.Format(LastSeenOf(e)),
            Source = _escape(Source(e)),
            EventName = _escape(e.EventName),
            EventUid = _escape(e.EventUid),
            Link = Link(e),
        };
    }

    public SummaryModel Summary(IReadOnlyList<PendingAlert> alerts, bool heldBack)
    {
        var groups = alerts
            .GroupBy(a => (a.Event.Cluster, Namespace: EventMatcher.NamespaceOf(a.Event)))
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key.Namespace, StringComparer.Ordinal)
            .ToList();
        var shown = groups.Take(MaxSummaryGroups).Select(g => new SummaryGroup
        {
            Cluster = _escape(g.Key.Cluster),
            Namespace = _escape(g.Key.Namespace),
            Total = g.Count(),
            Lines = SummaryLines(g),
        }).ToList();
        return new SummaryModel
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
    }

    private List<SummaryLine> SummaryLines(IEnumerable<PendingAlert> group)
    {
        var lines = group
            .GroupBy(a => (a.Event.Reason, a.Event.InvolvedObject.Kind))
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key.Reason, StringComparer.Ordinal)
            .ToList();
        var shown = lines.Take(MaxSummaryLines).Select(g =>
        {
            var names = g.Select(a => a.Event.InvolvedObject.Name).Distinct(StringComparer.Ordinal).ToList();
            var listed = string.Join(", ", names.Take(MaxSummaryNames).Select(_escape));
            var message = g.MaxBy(a => a.Id)!.Event.Message;
            return new SummaryLine
            {
                Reason = _escape(g.Key.Reason),
                Kind = _escape(g.Key.Kind),
                Count = g.Count(),
                Names = names.Count > MaxSummaryNames ? $"{listed} and {names.Count - MaxSummaryNames} more" : listed,
                Message = _escape(message.Length > MaxSummaryMessage ? message[..MaxSummaryMessage] + "…" : message),
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

    /// <summary>The link of <c>LinkTemplate</c> for the event, or "" (values URL-encoded; no parenthesis or space left to end a markdown link early).</summary>
    public string Link(KubeEventObserved e)
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
            url = _linkTemplate.Render(new TemplateContext(model, TemplateOptions), NullEncoder.Default).Trim();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "The link template failed; this alert goes without a link");
            return "";
        }

        return url.Replace("(", "%28").Replace(")", "%29").Replace(" ", "%20");
    }

    /// <summary>When the occurrence happened, as far as the event says (the collector's clock when it says nothing).</summary>
    public static DateTimeOffset LastSeenOf(KubeEventObserved e) =>
        e.LastTimestamp ?? e.Series?.LastObservedTime ?? e.EventTime ?? e.ObservedAt;

    /// <summary>A single line of plain text (a title): line breaks become spaces, cut at <paramref name="maxLength"/>.</summary>
    public static string OneLine(string text, int maxLength = 64)
    {
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= maxLength ? line : line[..(maxLength - 1)] + "…";
    }

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
        // The json filter (any value to a valid JSON literal) keeps non-ASCII text readable.
        options.JsonSerializerOptions = new System.Text.Json.JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return options;
    }
}
