using System.Security.Claims;
using Approvals.Api.Auth;
using Approvals.Domain;
using Microsoft.AspNetCore.Http;

namespace Approvals.Api.Tests.People;

/// <summary>
/// <see cref="CallerFromHttp"/> on principals as the two schemes leave them (the HTTP tests show the person's side
/// through <c>/api/v1/users/me</c>; a key's side has no endpoint that shows it).
/// </summary>
public class CallerFromHttpTests
{
    [Fact]
    public void A_service_key_has_no_username_roles_or_groups_whatever_claims_it_carries()
    {
        var caller = Caller.From(Context(new ClaimsIdentity(
            [
                new Claim(Caller.ActorClaim, Caller.ForClient("billing")),
                new Claim(Scopes.ClaimType, Scopes.Admin),
                new Claim(PersonClaims.Username, "carol"),
                new Claim(PersonClaims.Group, "finance"),
                new Claim(ClaimTypes.Role, Roles.Admin),
            ],
            ApiKeyAuthenticationHandler.SchemeName)));

        Assert.Equal(("client:billing", Permission.All, null), (caller.Actor, caller.Permissions, caller.Username));
        Assert.Empty(caller.Roles);
        Assert.Empty(caller.Groups);
    }

    [Fact]
    public void A_person_has_the_username_roles_and_groups_put_on_the_principal()
    {
        var caller = Caller.From(Context(new ClaimsIdentity(
            [
                new Claim(Caller.ActorClaim, Caller.ForUser("42")),
                new Claim(PersonClaims.Username, "bob"),
                new Claim("roles", Roles.Approver),
                new Claim(PersonClaims.Group, "finance"),
                new Claim(PersonClaims.Group, "ops"),
            ],
            "Bearer", "name", "roles")));

        Assert.Equal(("user:42", "bob"), (caller.Actor, caller.Username));
        Assert.Equal([Roles.Approver], caller.Roles);
        Assert.Equal(["finance", "ops"], caller.Groups.Order(StringComparer.Ordinal));
        Assert.True(caller.Permissions.HasAny(Permission.Decide));
    }

    private static DefaultHttpContext Context(ClaimsIdentity identity) => new() { User = new ClaimsPrincipal(identity) };
}
