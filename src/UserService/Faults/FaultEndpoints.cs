using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace UserService.Faults;

/// <summary><c>GET/PUT /admin/faults</c>: read and flip the fault switch at run time (API key required).</summary>
public static class FaultEndpoints
{
    public static IEndpointRouteBuilder MapFaultEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/faults", GetFaults);
        app.MapPut("/admin/faults", SetFaults);
        return app;
    }

    public static Results<Ok<FaultState>, ProblemHttpResult> GetFaults(HttpRequest request, FaultSwitch faults, IOptions<UserServiceOptions> options) =>
        ProblemResults.HasApiKey(request, options.Value.ApiKey) ? TypedResults.Ok(faults.State) : ProblemResults.Unauthenticated();

    public static Results<Ok<FaultState>, ProblemHttpResult> SetFaults(
        FaultChange change, HttpRequest request, FaultSwitch faults, IOptions<UserServiceOptions> options)
    {
        if (!ProblemResults.HasApiKey(request, options.Value.ApiKey))
        {
            return ProblemResults.Unauthenticated();
        }

        var current = faults.State;
        var settings = new FaultSettings
        {
            FailNextRequests = change.FailNextRequests ?? current.FailNextRequests,
            FailStatus = change.FailStatus ?? current.FailStatus,
            DelayMs = change.DelayMs ?? current.DelayMs,
        };
        if (settings.Validate() is { } invalid)
        {
            return ProblemResults.Of(StatusCodes.Status400BadRequest, "request.validation_failed", invalid);
        }

        faults.Set(settings);
        return TypedResults.Ok(faults.State);
    }
}
