using Microsoft.AspNetCore.Authorization;

namespace Approvals.Api.Auth;

/// <summary>Named authorization policies; endpoints name a policy, never a role or scope directly.</summary>
public static class AuthPolicies
{
    public const string Admin = "admin";

    public static AuthorizationBuilder AddApprovalsPolicies(this AuthorizationBuilder builder) => builder
        .SetFallbackPolicy(null)
        .SetDefaultPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build())
        .AddPolicy(Admin, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
}
