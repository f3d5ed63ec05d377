using Approvals.Api.Approvals;
using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Delivery;
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

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(serviceProvider =>
        {
            var connectionString = serviceProvider.GetRequiredService<IConfiguration>().GetConnectionString("Approvals");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Approvals is not set. Use ./run.sh, or set ConnectionStrings__Approvals.");
            }

            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            dataSource.UseLoggerFactory(serviceProvider.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });
        services.AddDbContextPool<ApprovalsDbContext>((serviceProvider, options) =>
            DatabaseSetup.Configure(options, "", serviceProvider.GetRequiredService<NpgsqlDataSource>()));

        services.AddScoped<ApprovalWorkflow>();
        services.AddScoped<ApprovalQueries>();
        services.AddDelivery();

        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApprovalsJsonContext.Default);

            // The web defaults read "1" as 1; a string where a number belongs is a wrong type (the original refused it too).
            options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd("code", Problems.DefaultCodeFor(status));
            context.ProblemDetails.Extensions.TryAdd("traceId", CorrelationId.Get(context.HttpContext) ?? context.HttpContext.TraceIdentifier);
        });
        services.AddExceptionHandler<ApiExceptionHandler>();

        services.AddApprovalsAuth();
        services.AddApprovalsRateLimiting();

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddOpenApi("v1", options => options
            .AddDocumentTransformer<SecuritySchemeTransformer>()
            .AddOperationTransformer<SecuritySchemeTransformer>());
        return builder;
    }

    public static WebApplication UseApprovalsApi(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCorrelationId();
        app.Use(RejectOversizedBodies);
        app.UseAuthentication();
        app.UseApprovalsRateLimiting();
        app.UseAuthorization();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();

        // A dispatcher-only process (--role dispatcher) answers the health checks and nothing else.
        if (HostRoles.Of(app.Configuration) == HostRole.Dispatcher)
        {
            return app;
        }

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
        app.MapAuthEndpoints();
        app.MapDeliveryEndpoints();
        return app;
    }

    /// <summary>Refuses a declared body over the limit before anything reads it; Kestrel catches undeclared ones.</summary>
    private static async Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge,
                $"The request body must be at most {MaxRequestBodyBytes / 1024} KB.");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBodyBytes;
        }

        await next(context);
    }
}
