namespace Eventer.Notifications.Routing;

/// <summary>One thing wrong with a setting: the key below the section it is about, and what is wrong.</summary>
public readonly record struct ConfigProblem(string Key, string Message);
