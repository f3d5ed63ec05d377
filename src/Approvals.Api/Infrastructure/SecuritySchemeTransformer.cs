using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Approvals.Api.Infrastructure;

/// <summary>Declares the API key scheme so the Swagger UI shows an Authorize button.</summary>
internal sealed class SecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    public const string ApiKeyScheme = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Approvals API";
        document.Info.Description = "Approval requests, decisions delivered reliably to downstream services, and their audit history.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "A service API key (also accepted as the raw Authorization header, as the original service did).",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] });
        return Task.CompletedTask;
    }
}
