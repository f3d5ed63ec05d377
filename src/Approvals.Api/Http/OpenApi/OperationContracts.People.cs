using Approvals.Api.Http.Endpoints;
using static Approvals.Domain.ErrorCodes;

namespace Approvals.Api.Http.OpenApi;

/// <summary>The operations that manage who and what may call the service: accounts, groups, API keys, service rules.</summary>
internal static partial class OperationContracts
{
    private static readonly Dictionary<string, OperationContract> People = new(StringComparer.Ordinal)
    {
        ["IssueToken"] = new("Sign in",
            "Exchanges a local account's username and password for a bearer token (`accessToken`) and its expiry. Limited per client address. "
            + "Absent (404 `route.not_found`) when people sign in with an identity provider instead of local accounts.")
        {
            Codes = [InvalidCredentials, RouteNotFound],
        },
        ["ListServiceRules"] = new("List service rules",
            "Every downstream service the approvals can name, without their API keys and signing secrets (write-only). Admins only."),
        ["GetServiceRule"] = new("Read a service rule", "One downstream service, without its API key and signing secret.")
        {
            Codes = [ServiceRuleNotFound],
            IntegerId = true,
        },
        ["CreateServiceRule"] = new("Add a service rule",
            "Adds a downstream service: where decisions are delivered, the API key sent with them, and the approvals' default `onDeadline`. "
            + "Answers with the signing secret, shown this once. The URL must be public unless the service allows private networks.")
        {
            Codes = [ServiceRuleNameTaken, ServiceRuleUrlForbidden],
            SuccessHeaders = new Dictionary<int, string[]> { [201] = ["Location"] },
        },
        ["ReplaceServiceRule"] = new("Replace a service rule", "Replaces a downstream service's settings; an absent API key keeps the current one.")
        {
            Codes = [ServiceRuleNotFound, ServiceRuleNameTaken, ServiceRuleUrlForbidden],
            IntegerId = true,
        },
        ["DeleteServiceRule"] = new("Delete a service rule", "Deletes a downstream service that no approval names.")
        {
            Codes = [ServiceRuleNotFound, ServiceRuleInUse],
            IntegerId = true,
        },
        ["RotateSigningSecret"] = new("Rotate a signing secret",
            "Gives the service rule a new webhook signing secret, shown this once; deliveries are signed with it from now on.")
        {
            Codes = [ServiceRuleNotFound],
            IntegerId = true,
        },
        ["GetServiceRuleHealth"] = new("Read a service rule's delivery health",
            "Delivery attempts, success rate and p95 latency over the last 24 hours, in total and per hour.")
        {
            Codes = [ServiceRuleNotFound],
            IntegerId = true,
        },
        ["CreateApiClient"] = new("Create an API key", "Creates a service API key with its scopes; the key is shown this once and stored hashed. Admins only.")
        {
            Codes = [ApiClientNameTaken],
            SuccessHeaders = new Dictionary<int, string[]> { [201] = ["Location"] },
        },
        ["ListApiClients"] = new("List API keys", "Every service API key, without the keys themselves. Admins only."),
        ["RevokeApiClient"] = new("Revoke an API key", "Revokes a service API key: it authenticates nothing from now on. Admins only.")
        {
            Codes = [ApiClientNotFound],
        },
        ["GetMe"] = new("Read the signed-in person",
            "Who the caller is: their roles, groups, delegation, and the people who delegated to them.")
        {
            Codes = [UserNotFound],
        },
        ["GetMyDelegation"] = new("Read my delegation", "Whom the signed-in person has delegated to, and until when.")
        {
            Codes = [DelegationNotFound],
        },
        ["SetMyDelegation"] = new("Delegate",
            "Lets another person act for the signed-in person from `from` (default now) until `until`: no delegating to oneself, no chains, no cycles.")
        {
            Codes = [DelegationToSelf, DelegationUnknownUser, DelegationChain, DelegationCycle],
        },
        ["EndMyDelegation"] = new("End my delegation", "Ends the signed-in person's delegation.")
        {
            Codes = [DelegationNotFound],
        },
        ["ChangeMyPassword"] = new("Change my password",
            "Replaces the signed-in person's password, given the current one; required after a one-time password. "
            + "Absent (404 `route.not_found`) when people sign in with an identity provider.")
        {
            Codes = [WrongPassword, UserNotFound, RouteNotFound],
        },
        ["CreateUser"] = new("Create a person",
            "Creates a local account with roles and groups; answers with a one-time password, shown this once. Admins only.")
        {
            Codes = [UsernameTaken, UnknownGroups],
            SuccessHeaders = new Dictionary<int, string[]> { [201] = ["Location"] },
            Parameters = new Dictionary<string, ParameterType>(),
        },
        ["ListUsers"] = new("List people", "Every person, by username, one page at a time. Admins only.")
        {
            Parameters = new Dictionary<string, ParameterType> { ["limit"] = ParameterTypes.Limit(UserEndpoints.MaxPageSize, UserEndpoints.DefaultPageSize) },
        },
        ["GetUser"] = new("Read a person", "One person's roles, groups and state. Admins only.")
        {
            Codes = [UserNotFound],
        },
        ["UpdateUser"] = new("Change a person", "Changes a person's roles, groups or disabled state; absent fields stay as they are. Admins only.")
        {
            Codes = [UserNotFound, UserSelfLockout, UnknownGroups],
        },
        ["ResetPassword"] = new("Reset a person's password",
            "Gives the person a new one-time password, shown this once; they must choose their own at the next sign-in. Admins only. "
            + "Absent (404 `route.not_found`), as password changes are, when people sign in with an identity provider.")
        {
            Codes = [UserNotFound, RouteNotFound],
        },
        ["CreateGroup"] = new("Create a group", "Creates a local group of people, who may be named as approvers together. Admins only.")
        {
            Codes = [GroupNameTaken, UnknownUsers],
            SuccessHeaders = new Dictionary<int, string[]> { [201] = ["Location"] },
        },
        ["ListGroups"] = new("List groups", "Every group with its member count, by name, one page at a time. Admins only.")
        {
            Parameters = new Dictionary<string, ParameterType> { ["limit"] = ParameterTypes.Limit(UserEndpoints.MaxPageSize, UserEndpoints.DefaultPageSize) },
        },
        ["GetGroup"] = new("Read a group", "One group with its members. Admins only.")
        {
            Codes = [GroupNotFound],
        },
        ["DeleteGroup"] = new("Delete a group", "Deletes a group; its members stay. Admins only.")
        {
            Codes = [GroupNotFound],
        },
        ["ReplaceGroupMembers"] = new("Replace a group's members", "Sets the group's members to exactly the given people. Admins only.")
        {
            Codes = [GroupNotFound, UnknownUsers],
        },
        ["AddGroupMember"] = new("Add a group member", "Adds one person to the group (nothing changes if they are a member already). Admins only.")
        {
            Codes = [GroupNotFound, UnknownUsers],
        },
        ["RemoveGroupMember"] = new("Remove a group member", "Removes one person from the group. Admins only.")
        {
            Codes = [GroupNotFound, UnknownUsers],
        },
    };
}
