using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Eventer.Archive.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service or a database.</summary>
public sealed class ArchiveDbContextFactory : IDesignTimeDbContextFactory<ArchiveDbContext>
{
    public ArchiveDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ArchiveDbContext>()
            .UseNpgsql("Host=localhost;Database=eventer", o => o.MigrationsHistoryTable("__EFMigrationsHistory", ArchiveDbContext.Schema))
            .Options);
}
