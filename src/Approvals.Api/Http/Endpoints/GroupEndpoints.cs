using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Api.Http.Endpoints;

/// <summary>API v1: <c>/api/v1/groups</c>, local groups of users that approvals can name. Admins only.</summary>
public static class GroupEndpoints
{
    public static IEndpointRouteBuilder MapGroupEndpoints(this IEndpointRouteBuilder app)
    {
        var groups = app.MapGroup("/api/v1/groups").WithTags("Groups").RequireAuthorization(AuthPolicies.Admin);
        groups.MapPost("/", CreateGroup).WithName(nameof(CreateGroup));
        groups.MapGet("/", ListGroups).WithName(nameof(ListGroups));
        groups.MapGet("/{name}", GetGroup).WithName(nameof(GetGroup));
        groups.MapDelete("/{name}", DeleteGroup).WithName(nameof(DeleteGroup));
        groups.MapPut("/{name}/members", ReplaceGroupMembers).WithName(nameof(ReplaceGroupMembers));
        groups.MapPut("/{name}/members/{username}", AddGroupMember).WithName(nameof(AddGroupMember));
        groups.MapDelete("/{name}/members/{username}", RemoveGroupMember).WithName(nameof(RemoveGroupMember));
        return app;
    }

    public static async Task<Results<Created<GroupResponse>, ProblemHttpResult>> CreateGroup(
        CreateGroupRequest request, GroupAdministration groups, CancellationToken cancellationToken)
    {
        var result = await groups.CreateAsync(request.Name, request.Members, cancellationToken);
        return result.Error is { } error ? error.ToProblem() : TypedResults.Created($"/api/v1/groups/{result.Value!.Name}", result.Value);
    }

    public static async Task<Results<Ok<GroupPage>, ProblemHttpResult>> ListGroups(
        GroupAdministration groups, CancellationToken cancellationToken, [FromQuery] string? limit = null, [FromQuery] string? cursor = null)
    {
        var page = UserEndpoints.ParsePage(limit, cursor);
        return page.Error is { } error ? error.ToProblem() : TypedResults.Ok(await groups.ListAsync(page.Value.After, page.Value.Limit, cancellationToken));
    }

    public static async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> GetGroup(string name, GroupAdministration groups, CancellationToken cancellationToken) =>
        UserEndpoints.ToOk(await groups.GetAsync(name, cancellationToken));

    public static async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> ReplaceGroupMembers(
        string name, GroupMembersRequest request, GroupAdministration groups, CancellationToken cancellationToken) =>
        UserEndpoints.ToOk(await groups.ReplaceMembersAsync(name, request.Members, cancellationToken));

    public static async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> AddGroupMember(
        string name, string username, GroupAdministration groups, CancellationToken cancellationToken) =>
        UserEndpoints.ToOk(await groups.AddMemberAsync(name, username, cancellationToken));

    public static async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> RemoveGroupMember(
        string name, string username, GroupAdministration groups, CancellationToken cancellationToken) =>
        UserEndpoints.ToOk(await groups.RemoveMemberAsync(name, username, cancellationToken));

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteGroup(string name, GroupAdministration groups, CancellationToken cancellationToken) =>
        await groups.DeleteAsync(name, cancellationToken) is { } error ? error.ToProblem() : TypedResults.NoContent();
}
