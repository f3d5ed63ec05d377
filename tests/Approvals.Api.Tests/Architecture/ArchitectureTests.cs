using System.Text.RegularExpressions;
using System.Xml.Linq;
using Approvals.Testing;
using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static ArchUnitNET.Fluent.Slices.SliceRuleDefinition;

namespace Approvals.Api.Tests.Architecture;

/// <summary>
/// The dependency rule of docs/architecture.md, checked on the compiled assemblies and the sources: no namespace of
/// ApprovalService depends on another in a cycle, all SQL lives in the persistence folder, and the domain references
/// no package or project.
/// </summary>
public partial class ArchitectureTests
{
    private static readonly System.Reflection.Assembly ApiAssembly = typeof(Program).Assembly;
    private static readonly System.Reflection.Assembly DomainAssembly = typeof(Domain.Approval).Assembly;

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> Loaded = new(() =>
        new ArchLoader().LoadAssemblies(ApiAssembly, DomainAssembly).Build());

    [Fact]
    public void No_namespace_of_the_service_depends_on_another_in_a_cycle() =>
        Slices().Matching("Approvals.Api.(**)").Should().BeFreeOfCycles().Check(Loaded.Value);

    [Fact]
    public void The_domain_depends_on_nothing_of_the_service() =>
        Types().That().ResideInNamespace("Approvals.Domain").Should()
            .NotDependOnAny(Types().That().ResideInNamespaceMatching("Approvals.Api.*"))
            .Check(Loaded.Value);

    [Fact]
    public void The_domain_references_no_package_or_project()
    {
        var project = XDocument.Load(RepositoryFiles.PathOf("src/Approvals.Domain/Approvals.Domain.csproj"));
        Assert.DoesNotContain(project.Descendants(), e => e.Name.LocalName is "PackageReference" or "ProjectReference" or "Reference");

        // What the compiled assembly references: the framework only.
        var referenced = DomainAssembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(referenced, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "mscorlib",
            $"Approvals.Domain references {name}"));
    }

    [Fact]
    public void All_sql_of_the_service_lives_in_its_persistence_folder()
    {
        var source = RepositoryFiles.PathOf("src/Approvals.Api");
        var persistence = Path.Combine(source, "Persistence") + Path.DirectorySeparatorChar;
        var outside = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.StartsWith(persistence, StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => SqlLiterals(File.ReadAllText(path)).Select(sql => $"{Path.GetRelativePath(source, path)}: {Shorten(sql)}"))
            .ToList();
        Assert.True(outside.Count == 0, "SQL outside src/Approvals.Api/Persistence:\n" + string.Join('\n', outside));

        var sqlFiles = Directory.EnumerateFiles(source, "*.sql", SearchOption.AllDirectories)
            .Where(path => !path.StartsWith(persistence, StringComparison.Ordinal));
        Assert.Empty(sqlFiles);
    }

    [Fact]
    public void The_sql_detector_finds_sql_in_string_literals_and_not_in_prose()
    {
        const string code = "// We SELECT the best.\nvar a = \"SELECT id FROM approvals\";\nvar b = \"\"\"\n    UPDATE delivery_jobs SET state = 1\n    \"\"\";\nvar c = \"Select one of them.\";\nvar d = $\"LISTEN {channel}\";";
        Assert.Equal(3, SqlLiterals(code).Count());
    }

    /// <summary>String literals (plain, verbatim, raw) that hold a SQL statement.</summary>
    private static IEnumerable<string> SqlLiterals(string code) =>
        StringLiteral().Matches(code).Select(m => m.Value).Where(literal => SqlStatement().IsMatch(literal));

    private static string Shorten(string sql) => sql.Length > 80 ? sql[..80].ReplaceLineEndings(" ") + "…" : sql.ReplaceLineEndings(" ");

    [GeneratedRegex("\"\"\"[\\s\\S]*?\"\"\"|@?\\$*\"(?:[^\"\\\\\\n]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\b(SELECT\s[\s\S]*\bFROM\b|INSERT\s+INTO\b|DELETE\s+FROM\b|UPDATE\s+\w+\s+(AS\s+\w+\s+)?SET\b|CREATE\s+(TABLE|INDEX|FUNCTION|TRIGGER)\b|pg_notify\s*\(|\b(LISTEN|NOTIFY)\s+[\w{])")]
    private static partial Regex SqlStatement();
}
