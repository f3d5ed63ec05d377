using Approvals.Domain;
using Microsoft.AspNetCore.Authorization;

namespace Approvals.Api.Auth;

/// <summary>
/// Named authorization policies; endpoints name a policy, never a role or scope directly. Each policy asks for
/// any one of some <see cref="Permission"/>s. Whether the caller may touch one particular approval (its own, not
/// its own, self-approval) is decided afterwards by the domain's <see cref="Domain.ApprovalAccessRules"/>.
/// Every policy but <see cref="Self"/> also requires that a person who signed in with a one-time password has chosen
/// a new one (<see cref="PasswordChosenRequirement"/>).
/// </summary>
public static class AuthPolicies
{
    public const string ReadApprovals = "approvals.read";
    public const string CreateApprovals = "approvals.create";
    public const string EditApprovals = "approvals.edit";
    public const string DecideApprovals = "approvals.decide";

    /// <summary>The original <c>PUT /request</c>, which may edit, decide, or both.</summary>
    public const string ChangeApprovals = "approvals.change";

    /// <summary>Service rules, API clients, redelivery, users and groups.</summary>
    public const string Admin = "admin";

    /// <summary>Any signed-in person, acting on themselves (their delegation); not service keys.</summary>
    public const string Person = "person";

    /// <summary>
    /// Any signed-in person, even one who must still replace a one-time password: reading themselves and changing
    /// their password are what such a person may do.
    /// </summary>
    public const string Self = "self";

    public static AuthorizationBuilder AddApprovalsPolicies(this AuthorizationBuilder builder) => builder
        .SetFallbackPolicy(null)
        .SetDefaultPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(PasswordChosenRequirement.Instance).Build())
        .AddPolicy(ReadApprovals, Requires(Permission.ReadOwn | Permission.ReadAll))
        .AddPolicy(CreateApprovals, Requires(Permission.Create))
        .AddPolicy(EditApprovals, Requires(Permission.EditOwn | Permission.EditAll))
        .AddPolicy(DecideApprovals, Requires(Permission.Decide | Permission.CancelOwn))
        .AddPolicy(ChangeApprovals, Requires(Permission.EditOwn | Permission.EditAll | Permission.Decide | Permission.CancelOwn))
        .AddPolicy(Admin, Requires(Permission.Administer))
        .AddPolicy(Person, policy => IsPerson(policy).AddRequirements(PasswordChosenRequirement.Instance))
        .AddPolicy(Self, policy => IsPerson(policy));

    private static Action<AuthorizationPolicyBuilder> Requires(Permission anyOf) => policy => policy
        .RequireAuthenticatedUser()
        .RequireAssertion(context => Permissions.Of(context.User).HasAny(anyOf))
        .AddRequirements(PasswordChosenRequirement.Instance);

    private static AuthorizationPolicyBuilder IsPerson(AuthorizationPolicyBuilder policy) => policy
        .RequireAuthenticatedUser()
        .RequireAssertion(context => context.User.FindFirst(Caller.ActorClaim)?.Value.StartsWith(Caller.UserPrefix, StringComparison.Ordinal) == true);
}
