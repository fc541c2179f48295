using System.Text.RegularExpressions;

namespace Eventer.Deploy.Tests.Docker;

/// <summary>
/// The repo root's <c>.dockerignore</c>, matched as the builder matches it: patterns relative to the
/// context root, <c>*</c> and <c>?</c> within one path segment, <c>**</c> across any number of them,
/// a later <c>!pattern</c> taking a path back in, and a path excluded when it or a folder above it matches.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Include)> _rules;

    private DockerIgnore(List<(Regex, bool)> rules) => _rules = rules;

    public static DockerIgnore Load(string? path = null)
    {
        var rules = new List<(Regex, bool)>();
        foreach (var raw in File.ReadAllLines(path ?? RepositoryRoot.Combine(".dockerignore")))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var include = line.StartsWith('!');
            var pattern = (include ? line[1..] : line).Trim().Trim('/');
            rules.Add((new Regex("^" + ToRegex(pattern) + "$"), include));
        }

        return new DockerIgnore(rules);
    }

    /// <summary>Whether <paramref name="relativePath"/> (slashes, relative to the context root) stays out of the context.</summary>
    public bool Excludes(string relativePath)
    {
        var parts = relativePath.Split('/');
        for (var depth = 1; depth <= parts.Length; depth++)
        {
            if (Matches(string.Join('/', parts[..depth])))
            {
                return true;
            }
        }

        return false;
    }

    private bool Matches(string path)
    {
        var excluded = false;
        foreach (var (pattern, include) in _rules)
        {
            if (pattern.IsMatch(path))
            {
                excluded = !include;
            }
        }

        return excluded;
    }

    private static string ToRegex(string pattern)
    {
        var regex = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches no folder or any number of them; a trailing "**" anything.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        return regex.ToString();
    }
}
