using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Http.Endpoints;

/// <summary>
/// Honours <c>Idempotency-Key</c>: the first request with a key claims it, runs, and stores its response; a retry
/// with the same key and body gets that response again; the same key with another body gets 422. Claims are per
/// caller, so two callers cannot collide. Only successful responses are stored: a refused or failed request changes
/// nothing, not even the key, so its retry runs again.
/// The claim, the change and the stored response are one unit of work (the request's <see cref="UnitOfWork"/>, which
/// <see cref="UnitOfWorkFilter"/> commits), so a process that dies mid-request leaves neither a change without its
/// response nor a claim without its change, and a retry arriving while the first request still runs waits on the
/// claim's row lock, then gets the stored response.
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

        var unit = http.RequestServices.GetRequiredService<UnitOfWork>();
        var caller = Caller.From(http).Actor;
        var requestHash = HashRequest(http, context.Arguments);
        if (!await IdempotencyStore.ClaimAsync(unit, caller, key, requestHash, clock.GetUtcNow(), http.RequestAborted))
        {
            var existing = await IdempotencyStore.FindAsync(unit, caller, key, http.RequestAborted);
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

        // An exception rolls the claim back with everything else (the unit of work is disposed uncommitted).
        var result = await next(context);

        // Handlers return a Results<...> union; what was produced is the result inside it.
        var produced = result is INestedHttpResult nested ? nested.Result : result;
        if (produced is IStatusCodeHttpResult { StatusCode: { } status } && status is >= 200 and < 300)
        {
            var value = (produced as IValueHttpResult)?.Value;
            var body = value is null ? null : JsonSerializer.Serialize(value, value.GetType(), jsonOptions.Value.SerializerOptions);
            var location = LocationOf(produced);
            var etag = http.Response.Headers.ETag.ToString();
            await IdempotencyStore.CompleteAsync(unit, caller, key, status, body, location, etag.Length == 0 ? null : etag, CancellationToken.None);
        }

        // Otherwise the request was refused: the unit of work rolls the claim back, so a retry runs again.
        return result;
    }

    /// <summary>
    /// The <c>Location</c> a Created or Accepted result will send (ASP.NET Core's results share no interface for it),
    /// so the filter knows no endpoint's types.
    /// </summary>
    private static string? LocationOf(object? result) =>
        result?.GetType().GetProperty("Location", typeof(string))?.GetValue(result) as string;

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
