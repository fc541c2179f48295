namespace Eventer.Testing;

/// <summary>
/// Answers a test scripted for a fake's next requests (an error code, an HTTP status), taken one a
/// request in order; thread-safe on its own, so a fake may take one inside its own lock.
/// </summary>
internal sealed class InjectedAnswers<T>
{
    private readonly Lock _lock = new();
    private readonly Queue<T> _answers = new();

    /// <summary>The next <paramref name="count"/> requests get <paramref name="answer"/>.</summary>
    public void Add(T answer, int count = 1)
    {
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                _answers.Enqueue(answer);
            }
        }
    }

    /// <summary>The answer for this request, if one is scripted.</summary>
    public bool TryTake(out T answer)
    {
        lock (_lock)
        {
            return _answers.TryDequeue(out answer!);
        }
    }

    /// <summary>Forgets what is still scripted.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _answers.Clear();
        }
    }
}
