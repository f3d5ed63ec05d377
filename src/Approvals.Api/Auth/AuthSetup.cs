using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>Registers authentication (API keys and JWT behind one policy scheme), authorization and their endpoints.</summary>
public static class AuthSetup
{
    /// <summary>
    /// The default scheme: it looks at each request and forwards to the web session for web pages, otherwise to the
    /// JWT or the API key scheme.
    /// </summary>
    public const string SelectorScheme = "ApiKeyOrBearer";

    public static IServiceCollection AddApprovalsAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>();
        services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JwtOptions>, JwtOptionsValidator>();
        services.AddOptions<PeopleOptions>().BindConfiguration(PeopleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PeopleOptions>, PeopleOptionsValidator>();
        services.AddOptions<DemoAccountsOptions>().BindConfiguration(DemoAccountsOptions.Section);

        services.AddSingleton<ApiKeyDirectory>();
        services.AddSingleton<LocalSigningKey>();
        services.AddSingleton<LocalTokenIssuer>();
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddScoped<UserAccounts>();
        services.AddScoped<PeopleStore>();
        services.AddSingleton<PersonResolver>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, PasswordChangeResultHandler>();
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, JwtBearerSetup>();
        services.AddHostedService<JwtModeReporter>();

        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "API key, bearer token or web session", options => options.ForwardDefaultSelector = context =>
                WebPageMetadata.IsWebPage(context) ? WebSession.Scheme
                : ApiKeyAuthenticationHandler.HasBearerToken(context.Request) ? JwtBearerDefaults.AuthenticationScheme
                : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer()
            .AddWebSession()
            .AddWebProviderSignIn(configuration);
        services.AddAuthorizationBuilder().AddApprovalsPolicies();
        return services;
    }
}
