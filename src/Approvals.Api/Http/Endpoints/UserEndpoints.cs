using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Http.Endpoints;

/// <summary>
/// API v1: <c>/api/v1/users</c>, people (admins, and keys with the admin scope), and <c>/api/v1/users/me</c>, the
/// signed-in person themselves. The password routes exist only for local accounts, as the token endpoint does.
/// </summary>
public static class UserEndpoints
{
    internal const int DefaultPageSize = 50;
    internal const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var local = !app.ServiceProvider.GetRequiredService<IOptions<JwtOptions>>().Value.UsesAuthority;
        var me = app.MapGroup("/api/v1/users/me").WithTags("Users");
        me.MapGet("/", GetMe).WithName(nameof(GetMe)).RequireAuthorization(AuthPolicies.Self);
        me.MapGet("/delegation", GetMyDelegation).WithName(nameof(GetMyDelegation)).RequireAuthorization(AuthPolicies.Person);
        me.MapPut("/delegation", SetMyDelegation).InUnitOfWork().WithName(nameof(SetMyDelegation)).RequireAuthorization(AuthPolicies.Person);
        me.MapDelete("/delegation", EndMyDelegation).WithName(nameof(EndMyDelegation)).RequireAuthorization(AuthPolicies.Person);

        var users = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization(AuthPolicies.Admin);
        users.MapPost("/", CreateUser).WithName(nameof(CreateUser));
        users.MapGet("/", ListUsers).WithName(nameof(ListUsers));
        users.MapGet("/{username}", GetUser).WithName(nameof(GetUser));
        users.MapPatch("/{username}", UpdateUser).WithName(nameof(UpdateUser));
        if (local)
        {
            me.MapPost("/password", ChangeMyPassword).WithName(nameof(ChangeMyPassword)).RequireAuthorization(AuthPolicies.Self)
                .RequireRateLimiting(RateLimiting.SignInPolicy);
            users.MapPost("/{username}/password-reset", ResetPassword).WithName(nameof(ResetPassword));
        }

        return app;
    }

    public static async Task<Results<Created<UserWithPasswordResponse>, ProblemHttpResult>> CreateUser(
        CreateUserRequest request, UserAdministration users, CancellationToken cancellationToken)
    {
        var result = await users.CreateAsync(request.Username, request.Roles, request.Groups, cancellationToken);
        return result.Error is { } error
            ? error.ToProblem()
            : TypedResults.Created($"/api/v1/users/{Uri.EscapeDataString(result.Value!.User.Username)}", result.Value);
    }

    public static async Task<Results<Ok<UserPage>, ProblemHttpResult>> ListUsers(
        UserAdministration users, CancellationToken cancellationToken, [FromQuery] string? limit = null, [FromQuery] string? cursor = null)
    {
        var page = ParsePage(limit, cursor);
        return page.Error is { } error ? error.ToProblem() : TypedResults.Ok(await users.ListAsync(page.Value.After, page.Value.Limit, cancellationToken));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(string username, UserAdministration users, CancellationToken cancellationToken) =>
        ToOk(await users.GetAsync(username, cancellationToken));

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UpdateUser(
        string username, UpdateUserRequest request, UserAdministration users, HttpContext context, CancellationToken cancellationToken) =>
        ToOk(await users.UpdateAsync(username, request.Roles, request.Groups, request.Disabled, Caller.From(context), cancellationToken));

    public static async Task<Results<Ok<UserWithPasswordResponse>, ProblemHttpResult>> ResetPassword(
        string username, UserAdministration users, CancellationToken cancellationToken) =>
        ToOk(await users.ResetPasswordAsync(username, cancellationToken));

    public static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> GetMe(MyAccount account, HttpContext context, CancellationToken cancellationToken) =>
        ToOk(await account.GetAsync(Caller.From(context), cancellationToken));

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangeMyPassword(
        ChangePasswordRequest request, MyAccount account, HttpContext context, CancellationToken cancellationToken) =>
        await account.ChangePasswordAsync(Caller.From(context), request.CurrentPassword, request.NewPassword, cancellationToken) is { } error
            ? error.ToProblem()
            : TypedResults.NoContent();

    public static async Task<Results<Ok<DelegationResponse>, ProblemHttpResult>> GetMyDelegation(
        MyAccount account, HttpContext context, CancellationToken cancellationToken) =>
        ToOk(await account.GetDelegationAsync(Caller.From(context), cancellationToken));

    public static async Task<Results<Ok<DelegationResponse>, ProblemHttpResult>> SetMyDelegation(
        DelegationRequest request, MyAccount account, HttpContext context, CancellationToken cancellationToken) =>
        ToOk(await account.SetDelegationAsync(Caller.From(context), request.To, request.From, request.Until, cancellationToken));

    public static async Task<Results<NoContent, ProblemHttpResult>> EndMyDelegation(MyAccount account, HttpContext context, CancellationToken cancellationToken) =>
        await account.EndDelegationAsync(Caller.From(context), cancellationToken) is { } error ? error.ToProblem() : TypedResults.NoContent();

    /// <summary>The page size and position of a list of names (<c>limit</c> 1–200, default 50; <c>cursor</c> from the previous page).</summary>
    internal static Result<(string? After, int Limit)> ParsePage(string? limit, string? cursor)
    {
        var errors = new FieldErrors();
        var pageSize = RequestParsing.ParseInt(limit, "limit", 1, MaxPageSize, errors) ?? DefaultPageSize;
        string? after = null;
        if (cursor is not null && !NameCursor.TryDecode(cursor, out after))
        {
            errors.Add("cursor", "Must be a nextCursor returned by this list.");
        }

        return errors.ToError() is { } invalid ? invalid : (after, pageSize);
    }

    internal static Results<Ok<T>, ProblemHttpResult> ToOk<T>(Result<T> result) =>
        result.Error is { } error ? error.ToProblem() : TypedResults.Ok(result.Value!);
}
