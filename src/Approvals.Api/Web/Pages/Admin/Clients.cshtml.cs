using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages.Admin;

/// <summary>
/// The API clients (<see cref="ApiClientAdministration"/>, the use cases of <c>/api/v1/api-clients</c>): the list,
/// a form to create one, whose key the answer to that post shows this once (never in a URL or a cookie; pages are
/// not stored by caches), and revoking one after a confirmation step.
/// </summary>
public sealed class ClientsModel(ApiClientAdministration clients) : PageModel
{
    /// <summary>What each scope allows, for the checkboxes.</summary>
    public static IReadOnlyList<(string Scope, string Meaning)> ScopeChoices { get; } =
    [
        (Scopes.Read, "read every approval and the event feed"),
        (Scopes.Write, "create and edit approvals"),
        (Scopes.Decide, "approve, reject and cancel approvals"),
        (Scopes.Admin, "everything, administration included"),
    ];

    public IReadOnlyList<ApiClientResponse> Clients { get; private set; } = [];

    public FormErrors Errors { get; private set; } = FormErrors.None;

    /// <summary>The client just created, with its key: shown in the answer to the create post only.</summary>
    public ApiClientWithKeyResponse? Created { get; private set; }

    /// <summary>The client whose revocation waits for a confirmation.</summary>
    public ApiClientResponse? ToRevoke { get; private set; }

    /// <summary>The client just revoked.</summary>
    public ApiClientResponse? Revoked { get; private set; }

    public string? Name { get; private set; }

    public IReadOnlyList<string> ChosenScopes { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid? revoke, Guid? revoked, CancellationToken cancellationToken)
    {
        Clients = await clients.ListAsync(cancellationToken);
        ToRevoke = Clients.FirstOrDefault(c => c.Id == revoke && c.RevokedAt is null);
        Revoked = Clients.FirstOrDefault(c => c.Id == revoked);
        return revoke is not null && ToRevoke is null && Clients.All(c => c.Id != revoke) ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name, string[]? scopes, CancellationToken cancellationToken)
    {
        (Name, ChosenScopes) = (name, scopes ?? []);
        var created = await clients.CreateAsync(name, scopes, cancellationToken);
        if (created.Error is { } error)
        {
            Errors = FormErrors.From(AdminForms.OnField(error, "name", ErrorCodes.ApiClientNameTaken));
            Response.StatusCode = Http.Problems.StatusFor(error.Kind);
        }
        else
        {
            (Created, Name, ChosenScopes) = (created.Value, null, []);
            Response.StatusCode = StatusCodes.Status201Created;
        }

        Clients = await clients.ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }

        return await clients.RevokeAsync(id, cancellationToken) is { } error
            ? StatusCode(Http.Problems.StatusFor(error.Kind))
            : LocalRedirect($"/admin/clients?revoked={id}");
    }
}
