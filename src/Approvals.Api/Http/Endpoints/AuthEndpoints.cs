using Approvals.Api.Auth;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Http.Endpoints;

public static class AuthEndpoints
{
    /// <summary>The token endpoint exists only for local accounts; with an identity provider people get tokens there.</summary>
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        // Reading the settings validates them, so bad ones stop the service before it migrates or serves anything.
        _ = app.ServiceProvider.GetRequiredService<IOptions<ApiKeyOptions>>().Value;
        _ = app.ServiceProvider.GetRequiredService<IOptions<PeopleOptions>>().Value;
        if (!app.ServiceProvider.GetRequiredService<IOptions<JwtOptions>>().Value.UsesAuthority)
        {
            app.MapTokenEndpoints();
        }

        app.MapApiClientEndpoints();
        return app;
    }
}
