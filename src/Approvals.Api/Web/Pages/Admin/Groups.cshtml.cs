using Approvals.Api.Features;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages.Admin;

/// <summary>
/// The local groups (<see cref="GroupAdministration"/>, the use cases of <c>/api/v1/groups</c>), by name, a page at a
/// time, and a form to create one with its members; a created group opens on its own page.
/// </summary>
public sealed class GroupsModel(GroupAdministration groups) : PageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<GroupSummaryResponse> Groups { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public FormErrors Errors { get; private set; } = FormErrors.None;

    public string? Name { get; private set; }

    public string? Members { get; private set; }

    /// <summary>The group just deleted.</summary>
    public string? Deleted { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? cursor, string? deleted, CancellationToken cancellationToken)
    {
        Deleted = GroupNames.Check(deleted) is null ? deleted : null;
        return await ShowAsync(cursor, cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(string? name, string? members, CancellationToken cancellationToken)
    {
        var created = await groups.CreateAsync(name, AdminForms.Usernames(members), cancellationToken);
        if (created.Value is { } group)
        {
            return LocalRedirect($"/admin/groups/{group.Name}");
        }

        var error = AdminForms.OnField(AdminForms.OnField(created.Error!, "name", ErrorCodes.GroupNameTaken), "members", ErrorCodes.UnknownUsers);
        (Errors, Name, Members) = (FormErrors.From(error), name, members);
        Response.StatusCode = Http.Problems.StatusFor(error.Kind);
        return await ShowAsync(null, cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(string? cursor, CancellationToken cancellationToken)
    {
        string? after = null;
        if (!string.IsNullOrEmpty(cursor) && !NameCursor.TryDecode(cursor, out after))
        {
            return BadRequest();
        }

        var page = await groups.ListAsync(after, PageSize, cancellationToken);
        (Groups, NextCursor) = (page.Items, page.NextCursor);
        return Page();
    }
}
