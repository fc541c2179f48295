using System.Globalization;

namespace Eventer.Notifications.Rendering;

/// <summary>The time zone alerts show times in, and how they show them.</summary>
public sealed class AlertTimeZone(TimeZoneInfo zone)
{
    public static TimeZoneInfo? Find(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    /// <summary><c>2020-02-19 13:08 UTC</c>, or <c>2020-02-19 21:08 +08:00</c> in another zone: the zone is always written.</summary>
    public string Format(DateTimeOffset? time)
    {
        if (time is not { } t)
        {
            return "unknown";
        }

        var local = TimeZoneInfo.ConvertTime(t, zone);
        var clock = local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return zone == TimeZoneInfo.Utc || zone.Id is "UTC" or "Etc/UTC"
            ? clock + " UTC"
            : clock + " " + local.ToString("zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>Only the time of day, for "since" in a summary about the last minutes.</summary>
    public string FormatTimeOfDay(DateTimeOffset time)
    {
        var full = Format(time);
        return full[11..];
    }
}
