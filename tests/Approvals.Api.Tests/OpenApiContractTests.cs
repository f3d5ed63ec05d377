using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Approvals.Testing;

namespace Approvals.Api.Tests;

/// <summary>
/// The checks that keep the committed OpenAPI document true: the response check every integration test runs through
/// (<see cref="OpenApiContractCheck"/>) does refuse what the document does not describe, and the document lints clean.
/// </summary>
public class OpenApiContractTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    private const string Approval = "/api/v1/approvals/01a24b37-d721-7845-94b6-6f4ef2f47569";
    private static readonly Dictionary<string, string> Correlated = new() { ["X-Correlation-Id"] = "abc" };

    private static OpenApiContract Contract => OpenApiContract.Committed;

    [Fact]
    public async Task A_real_answer_passes_the_check()
    {
        var created = await CreateApprovalAsync();
        var response = await Client.GetAsync($"/api/v1/approvals/{created["id"]}");
        var body = await response.Content.ReadAsByteArrayAsync();
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value));

        Assert.Null(Contract.Check(new RecordedResponse("GET", $"/api/v1/approvals/{created["id"]}", 200, headers, "application/json", body)));
    }

    [Fact]
    public void A_status_the_operation_does_not_list_fails()
    {
        var violation = Contract.Check(Problem("GET", Approval, 409, ErrorCodes.AwaitingDelivery));

        Assert.NotNull(violation);
        Assert.Contains("status 409 is not listed for GET /api/v1/approvals/{id} (GetApproval)", violation);
    }

    [Fact]
    public void A_code_the_status_does_not_list_fails()
    {
        var violation = Contract.Check(Problem("GET", Approval, 404, ErrorCodes.GroupNotFound));

        Assert.NotNull(violation);
        Assert.Contains("/code", violation);
        Assert.Contains("enum", violation);
    }

    [Fact]
    public void A_header_the_response_does_not_list_fails()
    {
        var headers = new Dictionary<string, string>(Correlated) { ["Idempotent-Replayed"] = "true" };
        var violation = Contract.Check(new RecordedResponse("GET", Approval, 404, headers, "application/problem+json", ProblemBody(404, ErrorCodes.ApprovalNotFound)));

        Assert.NotNull(violation);
        Assert.Contains("header Idempotent-Replayed (true) is not listed", violation);
    }

    [Fact]
    public void A_missing_required_header_fails()
    {
        var violation = Contract.Check(new RecordedResponse("GET", Approval, 304, Correlated, null, []));

        Assert.NotNull(violation);
        Assert.Contains("required header ETag is missing", violation);
    }

    [Fact]
    public void A_body_that_breaks_the_schema_fails()
    {
        var body = Encoding.UTF8.GetBytes("""{"items": [{"id": "not-a-uuid"}], "nextCursor": 5}""");
        var violation = Contract.Check(new RecordedResponse("GET", "/api/v1/approvals", 200, Correlated, "application/json", body));

        Assert.NotNull(violation);
        Assert.Contains("the body does not match the schema", violation);
        Assert.Contains("/nextCursor", violation);
    }

    [Fact]
    public void A_route_the_document_lacks_fails_and_an_unknown_route_404_passes()
    {
        Assert.Contains("no path of the OpenAPI document matches", Contract.Check(new RecordedResponse("GET", "/api/v1/secret", 200, Correlated, null, []))!);
        Assert.Null(Contract.Check(new RecordedResponse("GET", "/api/v1/secret", 404, Correlated, null, [])));
    }

    [Fact]
    public async Task A_response_that_contradicts_the_document_fails_the_request_that_got_it()
    {
        // A 400 whose exception handler once dropped X-Correlation-Id: now echoed, and checked on its way out.
        var response = await Client.PostAsync("/api/v1/approvals", Json("{"));

        await AssertProblemAsync(response, 400, ErrorCodes.MalformedJson);
        Assert.True(response.Headers.Contains("X-Correlation-Id"));
    }

    [Fact]
    public void Every_problem_code_of_the_service_is_documented_on_some_response()
    {
        // The codes that describe why a delivery failed (an approval's lastError) are no problem's; 405 is no operation's.
        string[] notProblems = [ErrorCodes.MethodNotAllowed, .. CodesStartingWith("delivery.").Except([ErrorCodes.DeliveryJobNotFound, ErrorCodes.DeliveryNotRetryable])];
        var document = JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf(OpenApiDocumentTests.DocumentPath)))!;
        var documented = Descendants(document).OfType<JsonObject>()
            .Where(o => o["code"] is JsonObject { } code && code["enum"] is JsonArray)
            .SelectMany(o => o["code"]!["enum"]!.AsArray().Select(c => (string)c!))
            .ToHashSet();

        var undocumented = CodesStartingWith("").Except(notProblems).Where(code => !documented.Contains(code)).ToList();
        Assert.True(undocumented.Count == 0, $"No response of docs/openapi/v1.json lists: {string.Join(", ", undocumented)}.");
    }

    [Fact]
    public void No_nullable_schema_lets_null_match_both_of_its_branches()
    {
        var document = JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf(OpenApiDocumentTests.DocumentPath)))!;
        var schemas = document["components"]!["schemas"]!.AsObject();
        var ambiguous = Descendants(document).OfType<JsonObject>()
            .Where(o => o["oneOf"] is JsonArray branches && branches.Any(IsNullType) && branches.Count(b => TakesNull(b, schemas)) > 1)
            .Select(o => o.GetPath())
            .ToList();

        Assert.True(ambiguous.Count == 0, $"oneOf with two branches that take null: {string.Join(", ", ambiguous)}");
    }

    [Fact]
    public async Task The_document_lints_clean_with_spectral_oas()
    {
        var tools = RepositoryFiles.PathOf("tools/spectral");
        if (!File.Exists(Path.Combine(tools, "node_modules", ".bin", "spectral")))
        {
            // .ci/run installs it; a first local run installs the pinned version from package-lock.json.
            var (installExit, installOutput) = await RunAsync("npm", "ci --no-audit --no-fund --ignore-scripts", tools);
            Assert.True(installExit == 0, $"npm ci failed:\n{installOutput}");
        }

        var (exit, output) = await RunAsync("npm", "run --silent lint", tools);

        Assert.True(exit == 0, $"Spectral (spectral:oas) found problems in docs/openapi/v1.json:\n{output}");
        Assert.Contains("No results with a severity of 'hint' or higher found", output);
    }

    private static bool IsNullType(JsonNode? schema) => schema?["type"]?.ToJsonString() == "\"null\"";

    /// <summary>Whether a schema accepts null: no type at all (anything), or a type that lists null.</summary>
    private static bool TakesNull(JsonNode? schema, JsonObject schemas)
    {
        if (schema?["$ref"] is { } reference)
        {
            return TakesNull(schemas[((string)reference!).Split('/')[^1]], schemas);
        }

        return schema?["type"] switch
        {
            null => schema?["oneOf"] is null && schema?["allOf"] is null && schema?["anyOf"] is null && schema?["enum"] is null,
            JsonArray types => types.Any(t => (string?)t == "null"),
            var type => (string?)type == "null",
        };
    }

    private static IEnumerable<string> CodesStartingWith(string prefix) =>
        typeof(ErrorCodes).GetFields().Select(f => (string)f.GetValue(null)!).Where(c => c.StartsWith(prefix, StringComparison.Ordinal));

    private static IEnumerable<JsonNode> Descendants(JsonNode? node) => node switch
    {
        JsonObject o => o.Select(p => p.Value).SelectMany(Descendants).Prepend(o),
        JsonArray a => a.SelectMany(Descendants).Prepend(a),
        null => [],
        _ => [node],
    };

    private static RecordedResponse Problem(string method, string path, int status, string code) =>
        new(method, path, status, Correlated, "application/problem+json", ProblemBody(status, code));

    private static byte[] ProblemBody(int status, string code) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["status"] = status, ["detail"] = "d", ["code"] = code }.ToJsonString());

    private static async Task<(int Exit, string Output)> RunAsync(string file, string arguments, string directory)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
