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
/// The change and its stored response are one unit of work (the request's <see cref="UnitOfWork"/>, which
/// <see cref="UnitOfWorkFilter"/> commits), so a process that dies mid-request leaves neither a change without its
/// response nor a response without its change. The response is stored at the end, not claimed first: the request's
/// first write is then its own (for a decision, the approval's row lock), which keeps the event feed's order within
/// one approval that of its changes. Requests with one key that run at once both do their work; the one that stores
/// its response first wins, and the others, which wait for it there (or fail on the approval it already changed),
/// discard their work and replay its response.
/// A key holds for <see cref="IdempotencyOptions.Retention"/> (then a request with it runs as new, and the stored
/// row is replaced); a claim without a response, which only earlier versions wrote, holds for
/// <see cref="IdempotencyOptions.InProgressTimeout"/>.
/// </summary>
/// <typeparam name="TBody">The endpoint's body type; its bound value identifies the request.</typeparam>
internal sealed class IdempotencyFilter<TBody>(TimeProvider clock, IOptions<JsonOptions> jsonOptions, IOptions<IdempotencyOptions> options)
    : IEndpointFilter
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
        unit.KeepOpenAfterLastWrite(); // the response is stored after the use case, in its transaction
        var caller = Caller.From(http).Actor;
        var requestHash = HashRequest(http, context.Arguments);
        if (await FindHeldAsync(unit, caller, key, http.RequestAborted) is { } stored)
        {
            return Replay(stored, requestHash);
        }

        // An exception rolls everything back (the unit of work is disposed uncommitted).
        var result = await next(context);

        // Handlers return a Results<...> union; what was produced is the result inside it.
        var produced = result is INestedHttpResult nested ? nested.Result : result;
        if (produced is not IStatusCodeHttpResult { StatusCode: { } status } || status is < 200 or >= 300)
        {
            // Refused: nothing is stored, so a retry runs again; unless a concurrent request with this key changed
            // the approval first (which is why this one was refused), whose response is the answer.
            return await FindHeldAsync(unit, caller, key, CancellationToken.None) is { } first
                ? Replay(first, requestHash)
                : result;
        }

        var value = (produced as IValueHttpResult)?.Value;
        var etag = http.Response.Headers.ETag.ToString();
        var response = new IdempotencyRecord
        {
            Caller = caller,
            Key = key,
            RequestHash = requestHash,
            StatusCode = status,
            ResponseBody = value is null ? null : JsonSerializer.Serialize(value, value.GetType(), jsonOptions.Value.SerializerOptions),
            Location = LocationOf(produced),
            ETag = etag.Length == 0 ? null : etag,
        };
        var now = clock.GetUtcNow();
        var settings = options.Value;
        if (await IdempotencyStore.StoreAsync(
            unit, response, now, settings.ExpiredBefore(now), settings.AbandonedBefore(now), CancellationToken.None))
        {
            return result;
        }

        // A concurrent request with this key stored its response first. What follows is no 2xx result, so the unit
        // of work rolls this request's change back.
        var winner = await IdempotencyStore.FindAsync(unit, caller, key, CancellationToken.None)
            ?? throw new InvalidOperationException("An Idempotency-Key's response was stored, yet it cannot be read.");
        return Replay(winner, requestHash);
    }

    /// <summary>The response stored for the key while it still holds (not expired, not an abandoned claim); else null.</summary>
    private async Task<IdempotencyRecord?> FindHeldAsync(UnitOfWork unit, string caller, string key, CancellationToken cancellationToken) =>
        await IdempotencyStore.FindAsync(unit, caller, key, cancellationToken) is { } stored && options.Value.Holds(stored, clock.GetUtcNow())
            ? stored
            : null;

    /// <summary>The stored response again; 422 when the key was used for another request.</summary>
    private static IResult Replay(IdempotencyRecord stored, string requestHash)
    {
        if (stored.RequestHash != requestHash)
        {
            return new DomainError(ErrorCodes.IdempotencyKeyReused,
                "This Idempotency-Key was already used with a different request.").ToProblem();
        }

        // A key claimed by an earlier version of the service whose request has not finished (yet) has no response.
        return stored.StatusCode is null ? InProgress() : new ReplayedResult(stored);
    }

    /// <summary>
    /// The <c>Location</c> a Created or Accepted result will send (ASP.NET Core's results share no interface for it),
    /// so the filter knows no endpoint's types.
    /// </summary>
    private static string? LocationOf(object? result) =>
        result?.GetType().GetProperty("Location", typeof(string))?.GetValue(result) as string;

    private static IResult InProgress() =>
        new DomainError(ErrorCodes.IdempotencyInProgress,
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
