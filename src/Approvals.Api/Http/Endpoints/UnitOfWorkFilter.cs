using Approvals.Api.Persistence;

namespace Approvals.Api.Http.Endpoints;

/// <summary>
/// Owns the request's <see cref="UnitOfWork"/> on the endpoints that change approvals: commits it when the endpoint
/// succeeded (2xx), and otherwise leaves it to roll back, so a refused request writes nothing at all. Runs outside
/// the Idempotency-Key filter, whose claim and stored response are part of the same unit. The endpoint writes nothing
/// after its use case's last write, so that write may carry the COMMIT (<see cref="UnitOfWork.LetLastWriteCommit"/>;
/// the Idempotency-Key filter keeps the transaction open when it stores a response).
/// </summary>
internal sealed class UnitOfWorkFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var unit = context.HttpContext.RequestServices.GetRequiredService<UnitOfWork>();
        unit.LetLastWriteCommit();
        var result = await next(context);

        // Handlers return a Results<...> union; what was produced is the result inside it.
        var produced = result is INestedHttpResult nested ? nested.Result : result;
        if (produced is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 })
        {
            await unit.CommitAsync(CancellationToken.None);
        }

        return result;
    }
}

public static class UnitOfWorkEndpoints
{
    /// <summary>Runs the endpoint in a unit of work it commits on success (<see cref="UnitOfWorkFilter"/>); add it before other filters.</summary>
    public static RouteHandlerBuilder InUnitOfWork(this RouteHandlerBuilder endpoint) => endpoint.AddEndpointFilter<UnitOfWorkFilter>();
}
