using Eventer.Collector.Mapping;
using Eventer.Contracts;

namespace Eventer.Collector.Tests.Mapping;

[Trait("Category", "Unit")]
public sealed class DropRuleTests
{
    private static readonly KubeEventObserved Pulled = new()
    {
        Type = "Normal",
        EventNamespace = "kube-system",
        Reason = "Pulled",
        Message = "Successfully pulled image \"coredns:1.11\" in 1.2s",
        InvolvedObject = new KubeObjectReference { Kind = "Pod", Name = "coredns-1" },
    };

    [Fact]
    public void A_rule_matches_when_every_field_it_sets_matches()
    {
        Assert.True(new DropRule { Type = "Normal", Namespace = "kube-system" }.Matches(Pulled));
        Assert.True(new DropRule { Kind = "Pod", Reason = "Pulled" }.Matches(Pulled));
        Assert.False(new DropRule { Type = "Normal", Namespace = "shop" }.Matches(Pulled));
        Assert.False(new DropRule { Type = "Warning" }.Matches(Pulled));
        Assert.False(new DropRule { Kind = "Node" }.Matches(Pulled));
    }

    [Fact]
    public void Message_is_a_regular_expression_searched_in_the_text()
    {
        Assert.True(new DropRule { Message = @"pulled image "".*"" in \d" }.Matches(Pulled));
        Assert.False(new DropRule { Message = "^Back-off" }.Matches(Pulled));
        Assert.False(new DropRule { Reason = "Pulled", Message = "Failed" }.Matches(Pulled));
    }

    [Fact]
    public void Empty_rules_and_bad_patterns_are_reported()
    {
        Assert.True(new DropRule().IsEmpty);
        Assert.Null(new DropRule { Message = "ok.*" }.MessagePatternProblem());
        Assert.StartsWith("is not a valid regular expression", new DropRule { Message = "(unclosed" }.MessagePatternProblem());
    }
}
