using Approvals.Api.Features;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages.Admin;

/// <summary>
/// One local group: its members, a form to add one, a button to remove each, and deleting the group
/// (<see cref="GroupAdministration"/>, the use cases of <c>/api/v1/groups/{name}</c>). A group that does not exist is
/// the 404 page.
/// </summary>
public sealed class GroupModel(GroupAdministration groups) : PageModel
{
    public GroupResponse Group { get; private set; } = null!;

    public FormErrors Errors { get; private set; } = FormErrors.None;

    public string? Username { get; private set; }

    /// <summary>What the last change did, in words.</summary>
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string name, CancellationToken cancellationToken) =>
        Show(await groups.GetAsync(name, cancellationToken));

    public async Task<IActionResult> OnPostAddAsync(string name, string? username, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(username))
        {
            return await RefuseAsync(name, DomainError.Validation("username", "Type the username of the person to add."), username, cancellationToken);
        }

        var result = await groups.AddMemberAsync(name, username.Trim(), cancellationToken);
        if (result.Error is { } refused)
        {
            return refused.Code == ErrorCodes.GroupNotFound
                ? NotFound()
                : await RefuseAsync(name, AdminForms.OnField(refused, "username", ErrorCodes.UnknownUsers), username, cancellationToken);
        }

        Done = $"{username.Trim()} is a member.";
        return Show(result);
    }

    public async Task<IActionResult> OnPostRemoveAsync(string name, string? username, CancellationToken cancellationToken)
    {
        var result = await groups.RemoveMemberAsync(name, username ?? "", cancellationToken);
        Done = $"{username} is no longer a member.";
        return Show(result);
    }

    public async Task<IActionResult> OnPostDeleteAsync(string name, CancellationToken cancellationToken) =>
        await groups.DeleteAsync(name, cancellationToken) is null ? LocalRedirect($"/admin/groups?deleted={name}") : NotFound();

    private async Task<IActionResult> RefuseAsync(string name, DomainError error, string? username, CancellationToken cancellationToken)
    {
        (Errors, Username) = (FormErrors.From(error), username);
        Response.StatusCode = Http.Problems.StatusFor(error.Kind);
        return Show(await groups.GetAsync(name, cancellationToken));
    }

    private IActionResult Show(Result<GroupResponse> group)
    {
        if (group.Value is null)
        {
            return NotFound();
        }

        Group = group.Value;
        return Page();
    }
}
