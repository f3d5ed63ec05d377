using Approvals.Api.Approvals;
using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Legacy;
using Approvals.Api.ServiceRules;
using Approvals.Domain;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Approvals.Api.Infrastructure;

/// <summary>Composition root of the ApprovalService host: services in <see cref="AddApprovalsApi"/>, pipeline in <see cref="UseApprovalsApi"/>.</summary>
public static class ApprovalsApiSetup
{
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static WebApplicationBuilder AddApprovalsApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });

        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DemoDataOptions>().BindConfiguration(DemoDataOptions.Section);
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section)
            .Validate(o => o.ApiKeys.All(k => k.Name.Length > 0 && k.Key.Length >= 8), "Every configured API key needs a name and at least 8 characters.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(serviceProvider =>
        {
            var connectionString = serviceProvider.GetRequiredService<IConfiguration>().GetConnectionString("Approvals");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Approvals is not set. Use ./run.sh, or set ConnectionStrings__Approvals.");
            }

            var dataSource = DatabaseSetup.CreateDataSourceBuilder(connectionString);
            dataSource.UseLoggerFactory(serviceProvider.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });
        services.AddDbContextPool<ApprovalsDbContext>((serviceProvider, options) =>
            DatabaseSetup.Configure(options, "", serviceProvider.GetRequiredService<NpgsqlDataSource>()));

        services.AddScoped<ApprovalWorkflow>();
        services.AddScoped<ApprovalQueries>();

        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApprovalsJsonContext.Default));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd("code", Problems.DefaultCodeFor(status));
            context.ProblemDetails.Extensions.TryAdd("traceId", CorrelationId.Get(context.HttpContext) ?? context.HttpContext.TraceIdentifier);
        });
        services.AddExceptionHandler<ApiExceptionHandler>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddApprovalsPolicies();

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddOpenApi("v1", options => options.AddDocumentTransformer<SecuritySchemeTransformer>());
        return builder;
    }

    public static WebApplication UseApprovalsApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCorrelationId();
        app.Use(RejectOversizedBodies);
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "Approvals v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "Approvals API";
        });

        app.MapLegacyEndpoints();
        app.MapApprovalEndpoints();
        app.MapServiceRuleEndpoints();
        return app;
    }

    /// <summary>Refuses a declared body over the limit before anything reads it; Kestrel catches undeclared ones.</summary>
    private static async Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Detail = $"The request body must be at most {MaxRequestBodyBytes / 1024} KB.",
                    Extensions = { ["code"] = ErrorCodes.PayloadTooLarge },
                },
            });
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBodyBytes;
        }

        await next(context);
    }
}
