namespace Approvals.Testing;

/// <summary>
/// Committed files that are generated from code (the state diagram, the OpenAPI document). Tests compare them with
/// what the code produces now; with <c>UPDATE_GENERATED_DOCS=1</c> they rewrite them instead.
/// </summary>
public static class RepositoryFiles
{
    public static bool UpdateRequested => Environment.GetEnvironmentVariable("UPDATE_GENERATED_DOCS") == "1";

    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    /// <summary>Asserts the committed file equals <paramref name="expected"/>, or rewrites it when asked to.</summary>
    public static void AssertUpToDate(string relativePath, string expected)
    {
        var path = PathOf(relativePath);
        if (UpdateRequested)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, expected);
            return;
        }

        var actual = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "<missing>";
        Xunit.Assert.True(actual == expected.ReplaceLineEndings("\n"),
            $"{relativePath} is stale. Regenerate it with: UPDATE_GENERATED_DOCS=1 dotnet test");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Approvals.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Approvals.slnx not found above the test binaries.");
    }
}
