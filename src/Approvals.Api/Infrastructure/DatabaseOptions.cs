using System.ComponentModel.DataAnnotations;

namespace Approvals.Api.Infrastructure;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Apply EF Core migrations when the host starts.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Load the demo service rules, approvals, users and API key.</summary>
    public bool SeedDemoData { get; set; }

    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 100;
}
