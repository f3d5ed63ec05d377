using System.Security.Cryptography;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Webhooks;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Approvals.Api.Http.Endpoints;

/// <summary>API v1: <c>/api/v1/service-rules</c>, the downstream services that decisions are delivered to.</summary>
public static class ServiceRuleEndpoints
{
    public const int MaxRetryAttempts = 20;
    public const int MaxRetryDelaySeconds = 86_400;

    public static IEndpointRouteBuilder MapServiceRuleEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/service-rules").WithTags("Service rules").RequireAuthorization(AuthPolicies.Admin);
        group.MapGet("/", ListServiceRules).WithName(nameof(ListServiceRules));
        group.MapGet("/{id}", GetServiceRule).WithName(nameof(GetServiceRule));
        group.MapPost("/", CreateServiceRule).WithName(nameof(CreateServiceRule));
        group.MapPut("/{id}", ReplaceServiceRule).WithName(nameof(ReplaceServiceRule));
        group.MapDelete("/{id}", DeleteServiceRule).WithName(nameof(DeleteServiceRule));
        group.MapPost("/{id}/rotate-secret", RotateSigningSecret).WithName(nameof(RotateSigningSecret));
        group.MapGet("/{id}/health", GetServiceRuleHealth).WithName(nameof(GetServiceRuleHealth));
        return app;
    }

    public static async Task<Ok<List<ServiceRuleResponse>>> ListServiceRules(ApprovalsDbContext db, CancellationToken cancellationToken)
    {
        var rules = await db.ServiceRules.AsNoTracking().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(rules.Select(ServiceRuleResponse.From).ToList());
    }

    public static async Task<Results<Ok<ServiceRuleResponse>, ProblemHttpResult>> GetServiceRule(
        string id, ApprovalsDbContext db, CancellationToken cancellationToken)
    {
        var rule = await FindAsync(db, id, cancellationToken);
        return rule.Error is { } error ? error.ToProblem() : TypedResults.Ok(ServiceRuleResponse.From(rule.Value!));
    }

    public static async Task<Results<Created<ServiceRuleWithSecretResponse>, ProblemHttpResult>> CreateServiceRule(
        ServiceRuleRequest request, ApprovalsDbContext db, TimeProvider clock, IOptions<DeliveryOptions> delivery, CancellationToken cancellationToken)
    {
        if (Validate(request, requireApiKey: true) is { } invalid)
        {
            return invalid.ToProblem();
        }

        if (await db.ServiceRules.AnyAsync(r => r.Name == request.Name, cancellationToken))
        {
            return NameTaken(request.Name!).ToProblem();
        }

        if (await CheckTargetAsync(request.Url!, delivery.Value, cancellationToken) is { } forbidden)
        {
            return forbidden.ToProblem();
        }

        var secret = NewSigningSecret();
        var rule = new ServiceRule
        {
            Name = request.Name!,
            Url = request.Url!,
            ApiKey = request.ApiKey!,
            SigningSecret = secret,
            CreatedAt = Timestamps.ToStoredPrecision(clock.GetUtcNow()),
        };
        Apply(rule, request);
        db.ServiceRules.Add(rule);
        if (await SaveAsync(db, rule.Name, cancellationToken) is { } conflict)
        {
            return conflict.ToProblem();
        }

        return TypedResults.Created($"/api/v1/service-rules/{rule.Id}", new ServiceRuleWithSecretResponse(ServiceRuleResponse.From(rule), secret));
    }

    public static async Task<Results<Ok<ServiceRuleResponse>, ProblemHttpResult>> ReplaceServiceRule(
        string id, ServiceRuleRequest request, ApprovalsDbContext db, IOptions<DeliveryOptions> delivery, CancellationToken cancellationToken)
    {
        var found = await FindAsync(db, id, cancellationToken, tracked: true);
        if (found.Error is { } notFound)
        {
            return notFound.ToProblem();
        }

        if (Validate(request, requireApiKey: false) is { } invalid)
        {
            return invalid.ToProblem();
        }

        var rule = found.Value!;
        if (rule.Name != request.Name && await db.ServiceRules.AnyAsync(r => r.Name == request.Name, cancellationToken))
        {
            return NameTaken(request.Name!).ToProblem();
        }

        // An unchanged URL is not judged again here (a rule saved before the check existed can still be edited or
        // disabled); every delivery checks it when it connects.
        if (rule.Url != request.Url && await CheckTargetAsync(request.Url!, delivery.Value, cancellationToken) is { } forbidden)
        {
            return forbidden.ToProblem();
        }

        rule.Name = request.Name!;
        rule.Url = request.Url!;
        rule.ApiKey = request.ApiKey ?? rule.ApiKey;
        Apply(rule, request);
        if (await SaveAsync(db, rule.Name, cancellationToken) is { } conflict)
        {
            return conflict.ToProblem();
        }

        return TypedResults.Ok(ServiceRuleResponse.From(rule));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteServiceRule(
        string id, ApprovalsDbContext db, CancellationToken cancellationToken)
    {
        var found = await FindAsync(db, id, cancellationToken, tracked: true);
        if (found.Error is { } notFound)
        {
            return notFound.ToProblem();
        }

        var ruleId = found.Value!.Id;
        if (await db.ApprovalServiceRules.AnyAsync(r => r.ServiceRuleId == ruleId, cancellationToken)
            || await db.DeliveryJobs.AnyAsync(j => j.ServiceRuleId == ruleId, cancellationToken))
        {
            return InUse().ToProblem();
        }

        db.ServiceRules.Remove(found.Value);
        if (await SaveAsync(db, found.Value.Name, cancellationToken) is { } conflict)
        {
            return conflict.ToProblem();
        }

        return TypedResults.NoContent();
    }

    /// <summary>Starts a rotation: a new secret signs from now on, and the old one keeps signing until the next rotation.</summary>
    public static async Task<Results<Ok<ServiceRuleWithSecretResponse>, ProblemHttpResult>> RotateSigningSecret(
        string id, ApprovalsDbContext db, CancellationToken cancellationToken)
    {
        var found = await FindAsync(db, id, cancellationToken, tracked: true);
        if (found.Error is { } notFound)
        {
            return notFound.ToProblem();
        }

        var rule = found.Value!;
        var secret = NewSigningSecret();
        rule.PreviousSigningSecret = rule.SigningSecret;
        rule.SigningSecret = secret;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new ServiceRuleWithSecretResponse(ServiceRuleResponse.From(rule), secret));
    }

    /// <summary>The rule's delivery health over the last 24 hours (<see cref="DeliveryHealth"/>): as a whole and hour by hour.</summary>
    public static async Task<Results<Ok<ServiceRuleHealthResponse>, ProblemHttpResult>> GetServiceRuleHealth(
        string id, DeliveryHealth health, CancellationToken cancellationToken)
    {
        if (ParseId(id) is not { } ruleId)
        {
            return InvalidId().ToProblem();
        }

        var result = await health.ForRuleAsync(ruleId, cancellationToken);
        return result.Error is { } error ? error.ToProblem() : TypedResults.Ok(result.Value!);
    }

    internal static string NewSigningSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static void Apply(ServiceRule rule, ServiceRuleRequest request)
    {
        rule.Enabled = request.Enabled ?? true;
        rule.TimeoutSeconds = request.TimeoutSeconds ?? 10;
        rule.RetrySchedule = request.RetrySchedule ?? [.. ServiceRule.DefaultRetrySchedule];
        rule.AllowSelfApproval = request.AllowSelfApproval ?? false;
        rule.OnDeadline = request.OnDeadline is { } action && DeadlineActions.TryParse(action, out var parsed) ? parsed : null;
    }

    private static async Task<Result<ServiceRule>> FindAsync(ApprovalsDbContext db, string id, CancellationToken cancellationToken, bool tracked = false)
    {
        if (ParseId(id) is not { } ruleId)
        {
            return InvalidId();
        }

        var query = tracked ? db.ServiceRules : db.ServiceRules.AsNoTracking();
        var rule = await query.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        return rule is null ? DeliveryHealth.ServiceRuleNotFound(ruleId) : rule;
    }

    private static int? ParseId(string id) =>
        int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ruleId) ? ruleId : null;

    private static DomainError InvalidId() => DomainError.Validation("id", "Must be a positive integer.");

    private static DomainError? Validate(ServiceRuleRequest request, bool requireApiKey)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100 || request.Name.Any(char.IsControl))
        {
            errors.Add("name", "Name is required: 1 to 100 characters, no control characters.");
        }

        // Uri quietly drops or escapes control characters and spaces; the stored URL must be exactly what was sent.
        if (request.Url is not { Length: > 0 and <= 2000 } rawUrl || rawUrl.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            || !Uri.TryCreate(rawUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add("url", "Must be an absolute http or https URL.");
        }

        if (requireApiKey ? string.IsNullOrEmpty(request.ApiKey) : request.ApiKey is { Length: 0 })
        {
            errors.Add("apiKey", "The credential sent to the service is required.");
        }
        else if (request.ApiKey is { Length: > 500 } || request.ApiKey?.Any(char.IsControl) == true)
        {
            errors.Add("apiKey", "At most 500 characters, no control characters.");
        }

        if (request.TimeoutSeconds is < 1 or > 300)
        {
            errors.Add("timeoutSeconds", "Must be from 1 to 300.");
        }

        if (request.RetrySchedule is { } schedule
            && (schedule.Length is 0 or > MaxRetryAttempts || schedule.Any(s => s is < 0 or > MaxRetryDelaySeconds)))
        {
            errors.Add("retrySchedule", $"1 to {MaxRetryAttempts} delays in seconds, each from 0 to {MaxRetryDelaySeconds}.");
        }

        if (request.OnDeadline is { } onDeadline && (!DeadlineActions.TryParse(onDeadline, out var asDefault) || !asDefault.CanBeRuleDefault()))
        {
            errors.Add("onDeadline", "Must be none, reject or cancel, or null for no default (escalate needs approvers: set it on the approval).");
        }

        return errors.ToError();
    }

    /// <summary>
    /// Saves the change. The checks above answer the common case; when a concurrent request wins the race between
    /// check and write, the database's unique index or foreign keys refuse it and the caller gets the same 409.
    /// </summary>
    private static async Task<DomainError?> SaveAsync(ApprovalsDbContext db, string name, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return NameTaken(name);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation })
        {
            return InUse();
        }
    }

    /// <summary>Refuses a URL whose host is not public, unless <see cref="DeliveryOptions.AllowPrivateNetworks"/>.</summary>
    private static async Task<DomainError?> CheckTargetAsync(string url, DeliveryOptions delivery, CancellationToken cancellationToken) =>
        !delivery.AllowPrivateNetworks && await WebhookTargetGuard.CheckAsync(new Uri(url, UriKind.Absolute), cancellationToken) is { } reason
            ? new DomainError(ErrorCodes.ServiceRuleUrlForbidden,
                $"{reason} Webhooks go to public addresses only (Delivery:AllowPrivateNetworks is off).")
                { FieldErrors = new Dictionary<string, string[]> { ["url"] = [reason] } }
            : null;

    private static DomainError InUse() => new(ErrorCodes.ServiceRuleInUse,
        "Approvals use this service rule; disable it instead of deleting it.");

    private static DomainError NameTaken(string name) =>
        new(ErrorCodes.ServiceRuleNameTaken, $"A service rule named '{name}' already exists.");
}
