using System.Text.Json.Serialization;

namespace Approvals.Api.Http.Endpoints;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateUserRequest(string? Username, string[]? Roles, string[]? Groups);

/// <summary>Each field that is present (and not null) is changed; <c>groups</c> replaces the local groups.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateUserRequest(string[]? Roles, string[]? Groups, bool? Disabled);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary><c>to</c> acts for the caller from <c>from</c> (default: now) until <c>until</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DelegationRequest(string? To, DateTimeOffset? From, DateTimeOffset? Until);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateGroupRequest(string? Name, string[]? Members);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record GroupMembersRequest(string[]? Members);
