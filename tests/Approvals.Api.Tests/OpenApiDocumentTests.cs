using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Testing;

namespace Approvals.Api.Tests;

public class OpenApiDocumentTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    public const string DocumentPath = "docs/openapi/v1.json";

    [Fact]
    public async Task Committed_openapi_document_matches_the_running_service()
    {
        using var anonymous = Factory.CreateClient();
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!.AsObject();

        RepositoryFiles.AssertUpToDate(DocumentPath, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    [Fact]
    public async Task Openapi_document_declares_the_api_key_scheme_and_the_routes()
    {
        using var anonymous = Factory.CreateClient();
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;

        Assert.NotNull(document["components"]?["securitySchemes"]?["ApiKey"]);
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/v1/approvals", paths);
        Assert.Contains("/api/v1/approvals/{id}/decision", paths);
        Assert.Contains("/request", paths);
        Assert.Contains("/requests", paths);
    }
}
