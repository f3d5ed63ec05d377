using Approvals.Api.Persistence.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Approvals.Api.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the host or a database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ApprovalsDbContext>
{
    public ApprovalsDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ApprovalsDbContext>();
        DatabaseSetup.Configure(options, "Host=localhost;Database=approvals_design");
        return new ApprovalsDbContext(options.Options);
    }
}
