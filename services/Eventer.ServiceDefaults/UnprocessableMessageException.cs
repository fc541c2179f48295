namespace Eventer.ServiceDefaults;

/// <summary>
/// A message that can never be processed, however often it is tried. The default retry skips it,
/// so it goes straight to <c>&lt;queue&gt;_error</c> with this message as the reason.
/// </summary>
public sealed class UnprocessableMessageException(string reason) : Exception(reason);
