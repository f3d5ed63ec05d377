using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Http.OpenApi;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Messaging;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Web;
using Approvals.Domain;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Approvals.Api;

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
        services.AddSingleton(serviceProvider => BuildDataSource(serviceProvider, connectionString => DatabaseSetup.CreateDataSourceBuilder(
            connectionString, MaxPoolSize(serviceProvider), NotifiesDeliveryJobs(serviceProvider))));
        services.AddKeyedSingleton(DatabaseSetup.TransactionDataSource, (serviceProvider, _) => BuildDataSource(serviceProvider,
            connectionString => DatabaseSetup.CreateTransactionDataSourceBuilder(connectionString, MaxPoolSize(serviceProvider), NotifiesDeliveryJobs(serviceProvider))));
        services.AddKeyedSingleton(DatabaseSetup.SessionDataSource, (serviceProvider, _) =>
            BuildDataSource(serviceProvider, DatabaseSetup.CreateSessionDataSourceBuilder));
        services.AddDbContextPool<ApprovalsDbContext>((serviceProvider, options) =>
            DatabaseSetup.Configure(options, "", serviceProvider.GetRequiredService<NpgsqlDataSource>()));

        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<IdempotencyKeySweeper>();
        services.AddScoped<UnitOfWork>();
        services.AddScoped<ApprovalCreation>();
        services.AddScoped<ApprovalInbox>();
        services.AddSingleton<InboxCountsCache>();
        services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<BulkVoting>();
        services.AddScoped<ApprovalWorkflow>();
        services.AddScoped<ApprovalQueries>();
        services.AddScoped<ApprovalActions>();
        services.AddScoped<ServiceRuleChoices>();
        services.AddSingleton<ApprovalStore>();
        services.AddScoped<PeopleDirectory>();
        services.AddScoped<UserAdministration>();
        services.AddScoped<GroupAdministration>();
        services.AddScoped<ApiClientAdministration>();
        services.AddScoped<MyAccount>();
        services.AddDelivery();
        services.AddMessaging();
        services.AddEventFeed();
        services.AddTimers();

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
            context.ProblemDetails.Detail ??= Problems.DefaultDetailFor(context.HttpContext, status);
            context.ProblemDetails.Extensions.TryAdd("traceId", CorrelationId.Get(context.HttpContext) ?? context.HttpContext.TraceIdentifier);
        });
        services.AddExceptionHandler<ApiExceptionHandler>();

        services.AddApprovalsAuth(builder.Configuration);
        services.AddApprovalsRateLimiting();
        services.AddApprovalsWeb(builder.Configuration);

        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<BrokerHealthCheck>("broker", tags: ["ready"]);
        services.AddOpenApi("v1", options => options
            .AddDocumentTransformer<SecuritySchemeTransformer>()
            .AddOperationTransformer<SecuritySchemeTransformer>()
            .AddDocumentTransformer<ApiContractTransformer>());
        builder.AddApprovalsTelemetry();
        return builder;
    }

    public static WebApplication UseApprovalsApi(this WebApplication app)
    {
        // HEAD is routed as GET, so routing comes after it; routing comes before everything else, so every middleware
        // below knows the endpoint (web page or API) it is working for.
        app.UseHeadAsGet();
        app.UseRouting();
        app.UseSecurityHeaders(WebProviderSignIn.FormTarget(app.Services));
        app.UseExceptionHandler();
        app.UseStatusCodePages(Problems.WriteStatusCodePageAsync);
        app.UseWebErrorPages();
        app.UseCorrelationId();
        app.Use(GuardRequestBodies);
        app.UseLegacyBodies();
        app.UseAuthentication();
        app.UseApprovalsRateLimiting();
        app.UseAuthorization();
        app.UseUnknownQueryParameterCheck();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).AllowAnonymous();
        app.MapApprovalsMetrics();

        // A dispatcher-only process (--role dispatcher) answers the health checks and nothing else.
        if (HostRoles.Of(app.Configuration) == HostRole.Worker)
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
        app.MapInboxEndpoints();
        app.MapBulkVoteEndpoints();
        app.MapServiceRuleEndpoints();
        app.MapAuthEndpoints();
        app.MapUserEndpoints();
        app.MapGroupEndpoints();
        app.MapDeliveryEndpoints();
        app.MapEventEndpoints();
        app.MapApprovalsWeb();
        return app;
    }

    private static int MaxPoolSize(IServiceProvider serviceProvider) => serviceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value.MaxPoolSize;

    private static bool NotifiesDeliveryJobs(IServiceProvider serviceProvider) =>
        serviceProvider.GetRequiredService<IOptions<MessagingOptions>>().Value.Transport == MessagingTransport.Postgres;

    /// <summary>A data source on the configured connection string, logging through the host's loggers.</summary>
    internal static NpgsqlDataSource BuildDataSource(IServiceProvider serviceProvider, Func<string, NpgsqlDataSourceBuilder> create)
    {
        var connectionString = serviceProvider.GetRequiredService<IConfiguration>().GetConnectionString("Approvals");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Approvals is not set. Use ./run.sh, or set ConnectionStrings__Approvals.");
        }

        var dataSource = create(connectionString);
        dataSource.UseLoggerFactory(serviceProvider.GetRequiredService<ILoggerFactory>());
        return dataSource.Build();
    }

    /// <summary>
    /// Refuses, before anything reads them, bodies declared over the limit (Kestrel stops undeclared ones at the
    /// limit) and bodies declared in a charset other than UTF-8: JSON is UTF-8 (RFC 8259), and the framework's
    /// reader would fail on an unknown charset with a 500. Keeps a typed JSON body for <see cref="JsonBodyErrors"/>.
    /// </summary>
    private static async Task GuardRequestBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge,
                $"The request body must be at most {MaxRequestBodyBytes / 1024} KB.");
            return;
        }

        if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            && HeaderUtilities.RemoveQuotes(mediaType.Charset) is { HasValue: true } charset
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            await Problems.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType,
                "The request body must be JSON in UTF-8.");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBodyBytes;
        }

        // A typed body is kept (in memory, within the limit) so that a bad one can be read again for all its field errors.
        if (JsonBodyErrors.BindsTypedBody(context.GetEndpoint()) && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
        {
            context.Request.EnableBuffering((int)MaxRequestBodyBytes);
        }

        await next(context);
    }
}
