namespace Eventer.Notifications.Routing;

/// <summary>
/// Who a message @-mentions: people by mobile number or user id, or everyone. Kept with each
/// pending occurrence, so a message standing for several mentions everyone they would have.
/// </summary>
public sealed record Mentions(IReadOnlyList<string> AtMobiles, IReadOnlyList<string> AtUserIds, bool IsAtAll)
{
    public static readonly Mentions None = new([], [], false);

    public bool IsNone => AtMobiles.Count == 0 && AtUserIds.Count == 0 && !IsAtAll;

    public Mentions Union(Mentions other) => new(
        [.. AtMobiles.Union(other.AtMobiles, StringComparer.Ordinal)],
        [.. AtUserIds.Union(other.AtUserIds, StringComparer.Ordinal)],
        IsAtAll || other.IsAtAll);
}
