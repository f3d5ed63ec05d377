using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Delivery;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Infrastructure;

/// <summary>
/// Honours <c>Idempotency-Key</c>: the first request with a key claims it, runs, and stores its response; a retry
/// with the same key and body gets that response again; the same key with another body gets 422. Claims are per
/// caller, so two callers cannot collide. Only successful responses are stored: a refused or failed request changes
/// nothing, not even the key, so its retry runs again.
/// The claim, the change and the stored response are one transaction (the workflow joins it), so a process that
/// dies mid-request leaves neither a change without its response nor a claim without its change, and a retry
/// arriving while the first request still runs waits on the claim's row lock, then gets the stored response.
/// </summary>
/// <typeparam name="TBody">The endpoint's body type; its bound value identifies the request.</typeparam>
internal sealed class IdempotencyFilter<TBody>(TimeProvider clock, IOptions<JsonOptions> jsonOptions) : IEndpointFilter
    where TBody : class
{
    public const string HeaderName = "Idempotency-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[HeaderName].ToString();
        if (key.Length == 0)
        {
            return await next(context);
        }

        if (key.Length > 200 || !key.All(c => c is >= '!' and <= '~'))
        {
            return DomainError.Validation(HeaderName, "Must be 1 to 200 printable ASCII characters.").ToProblem();
        }

        // Resolved only now: most requests carry no key, and need no DbContext from the pool for it.
        var db = http.RequestServices.GetRequiredService<ApprovalsDbContext>();
        var caller = Caller.From(http).Actor;
        var requestHash = HashRequest(http, context.Arguments);
        await using var transaction = await db.Database.BeginTransactionAsync(http.RequestAborted);
        IdempotencyTransaction.Set(http, db);
        var claimed = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO idempotency_keys (caller, key, request_hash, created_at) VALUES ({caller}, {key}, {requestHash}, {clock.GetUtcNow()}) ON CONFLICT DO NOTHING",
            http.RequestAborted);

        if (claimed == 0)
        {
            var existing = await db.IdempotencyRecords.AsNoTracking()
                .FirstOrDefaultAsync(r => r.Caller == caller && r.Key == key, http.RequestAborted);
            if (existing is null)
            {
                // Not expected (a rolled-back claim lets our insert through); answer as for a claim still running.
                return InProgress();
            }

            if (existing.RequestHash != requestHash)
            {
                return new DomainError(ErrorKind.Unprocessable, ErrorCodes.IdempotencyKeyReused,
                    "This Idempotency-Key was already used with a different request.").ToProblem();
            }

            return existing.StatusCode is null ? InProgress() : new ReplayedResult(existing);
        }

        // An exception rolls the claim back with everything else (the transaction is disposed uncommitted).
        var result = await next(context);

        // Handlers return a Results<...> union; what was produced is the result inside it.
        var produced = result is INestedHttpResult nested ? nested.Result : result;
        if (produced is IStatusCodeHttpResult { StatusCode: { } status } && status is >= 200 and < 300)
        {
            var value = (produced as IValueHttpResult)?.Value;
            var body = value is null ? null : JsonSerializer.Serialize(value, value.GetType(), jsonOptions.Value.SerializerOptions);
            var location = produced switch
            {
                Microsoft.AspNetCore.Http.HttpResults.Created<Approvals.ApprovalResponse> created => created.Location,
                Microsoft.AspNetCore.Http.HttpResults.Accepted<Approvals.ApprovalResponse> accepted => accepted.Location,
                _ => null,
            };
            var etag = http.Response.Headers.ETag.ToString();
            string? storedETag = etag.Length == 0 ? null : etag;
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"UPDATE idempotency_keys SET status_code = {status}, response_body = {body}, location = {location}, e_tag = {storedETag} WHERE caller = {caller} AND key = {key}",
                CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);

            // The workflow joined this transaction, so the decision's handed-off jobs may start only now.
            http.RequestServices.GetRequiredService<DeliveryHandOff>().Committed();
            http.RequestServices.GetRequiredService<Events.ApprovalEventSignal>().Committed();
        }

        // Otherwise the request was refused: disposing the transaction rolls the claim back, so a retry runs again.
        return result;
    }

    private static IResult InProgress() =>
        new DomainError(ErrorKind.Conflict, ErrorCodes.IdempotencyInProgress,
            "A request with this Idempotency-Key is still being processed; retry shortly.").ToProblem();

    /// <summary>Hash of what identifies the request: method, path and the bound body (so formatting does not matter).</summary>
    private string HashRequest(HttpContext http, IList<object?> arguments)
    {
        var builder = new StringBuilder().Append(http.Request.Method).Append(' ').Append(http.Request.Path.Value);
        foreach (var body in arguments.OfType<TBody>())
        {
            builder.Append('\n').Append(JsonSerializer.Serialize(body, jsonOptions.Value.SerializerOptions));
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    /// <summary>Replays a stored response with the headers that mattered the first time.</summary>
    private sealed class ReplayedResult(IdempotencyRecord record) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = record.StatusCode!.Value;
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            if (record.Location is not null)
            {
                httpContext.Response.Headers.Location = record.Location;
            }

            if (record.ETag is not null)
            {
                httpContext.Response.Headers.ETag = record.ETag;
            }

            if (record.ResponseBody is not null)
            {
                httpContext.Response.ContentType = record.StatusCode >= 400 ? "application/problem+json" : "application/json; charset=utf-8";
                await httpContext.Response.WriteAsync(record.ResponseBody, httpContext.RequestAborted);
            }
        }
    }
}

/// <summary>
/// The transaction the Idempotency-Key filter holds open for a request: the request's change must join it, so the
/// change and its stored response commit together. The workflow finds it on the scoped DbContext; a write that does
/// not use a DbContext otherwise (<see cref="Approvals.ApprovalCreation"/>) finds it here.
/// </summary>
internal static class IdempotencyTransaction
{
    private static readonly object Key = new();

    public static void Set(HttpContext http, ApprovalsDbContext db) => http.Items[Key] = db;

    /// <summary>The DbContext whose transaction the request runs in; null when it carries no Idempotency-Key.</summary>
    public static ApprovalsDbContext? Of(HttpContext http) => http.Items.TryGetValue(Key, out var db) ? db as ApprovalsDbContext : null;
}
