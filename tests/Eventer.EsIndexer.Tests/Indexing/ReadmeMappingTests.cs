using Eventer.EsIndexer.Indexing;

namespace Eventer.EsIndexer.Tests.Indexing;

[Trait("Category", "Unit")]
public sealed class ReadmeMappingTests
{
    [Fact]
    public void The_readme_table_lists_exactly_the_fields_and_types_the_indexer_maps()
    {
        var readme = MappingTable.FromReadme();

        Assert.Equal(readme.Count, readme.Select(r => r.Field).Distinct().Count());
        Assert.Equal(EventDocument.Fields.Select(f => (f.Path, f.Type)).Order(), readme.Order());
    }
}
