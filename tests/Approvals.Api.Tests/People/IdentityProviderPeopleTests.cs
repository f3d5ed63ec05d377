using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.People;

/// <summary>The identity provider's people: tokens from a real (local) OpenID Connect provider's keys, through the real pipeline.</summary>
public class IdentityProviderPeopleTests(IdentityProviderApiFactory factory) : ApiTestBase<IdentityProviderApiFactory>(factory)
{
    [Fact]
    public async Task Someone_seen_for_the_first_time_becomes_a_user_named_by_their_subject_with_the_claims_groups()
    {
        var subject = $"idp-{Guid.NewGuid():N}";
        using var person = Bearer(subject, [Roles.Approver], groups: ["finance", "/ops"]);
        await using (var db = Factory.CreateDbContext())
        {
            Assert.False(await db.Users.AnyAsync(u => u.Subject == subject));
        }

        var me = await GetMeAsync(person);

        Assert.Equal((subject, $"user:{subject}"), ((string?)me["username"], (string?)me["actor"]));
        Assert.Equal([Roles.Approver], Strings(me["roles"]));
        Assert.Equal(["/ops", "finance"], Strings(me["groups"]));
        await using (var db = Factory.CreateDbContext())
        {
            var stored = await db.Users.AsNoTracking().SingleAsync(u => u.Subject == subject);
            Assert.Equal((subject, (string?)null, false), (stored.Username, stored.PasswordHash, stored.PasswordChangeRequired));
            Assert.Equal([Roles.Approver], stored.Roles);
            Assert.Equal(["/ops", "finance"], stored.ProviderGroups);
        }

        // Seen again with other claims: remembered as of the latest request.
        using var later = Bearer(subject, [Roles.Requester, "offline_access"], groups: ["payroll"]);
        Assert.Equal(["payroll"], Strings((await GetMeAsync(later))["groups"]));
        await using (var db = Factory.CreateDbContext())
        {
            Assert.Equal(1, await db.Users.CountAsync(u => u.Subject == subject));
            var stored = await db.Users.AsNoTracking().SingleAsync(u => u.Subject == subject);
            Assert.Equal([Roles.Requester], stored.Roles);
            Assert.Equal(["payroll"], stored.ProviderGroups);
        }
    }

    [Fact]
    public async Task The_directory_knows_provider_groups_and_their_members_as_of_their_last_request()
    {
        var (ann, ben) = ($"idp-ann-{Guid.NewGuid():N}", $"idp-ben-{Guid.NewGuid():N}");
        var group = $"claims-{Guid.NewGuid():N}";
        using var annClient = Bearer(ann, [Roles.Approver], groups: [group]);
        using var benClient = Bearer(ben, [Roles.Approver], groups: [group]);
        await GetMeAsync(annClient);
        await GetMeAsync(benClient);
        using var benLeft = Bearer(ben, [Roles.Approver], groups: []);
        await GetMeAsync(benLeft);

        using var scope = Factory.Services.CreateScope();
        var directory = scope.ServiceProvider.GetRequiredService<PeopleDirectory>();

        Assert.Equal([ann], await directory.GroupMembersAsync(group));
        Assert.Equal(["never-claimed"], await directory.UnknownGroupsAsync([group, "never-claimed", group]));
        Assert.Equal(["nobody-seen"], await directory.UnknownUsernamesAsync([ann, "nobody-seen", ben]));
    }

    [Fact]
    public async Task Local_groups_apply_to_provider_users_as_well_and_admins_can_name_them_before_they_first_sign_in()
    {
        var subject = $"idp-pre-{Guid.NewGuid():N}";
        var group = $"local-{Guid.NewGuid():N}"[..20];
        await AssertStatusAsync(await Client.PostAsJsonAsync("/api/v1/groups", new { name = group, members = Array.Empty<string>() }), HttpStatusCode.Created);

        var created = await Client.PostAsJsonAsync("/api/v1/users", new { username = subject, groups = new[] { group } });

        await AssertStatusAsync(created, HttpStatusCode.Created);
        var body = await ReadObjectAsync(created);
        Assert.Null((string?)body["oneTimePassword"]);
        Assert.Equal((false, $"user:{subject}"), ((bool)body["user"]!["passwordChangeRequired"]!, (string?)body["user"]!["actor"]));
        using var person = Bearer(subject, [Roles.Approver], groups: ["from-claim"]);
        var me = await GetMeAsync(person);
        Assert.Equal(["from-claim", group], Strings(me["groups"]));
        Assert.Equal([Roles.Approver], Strings(me["roles"]));
        var user = await ReadObjectAsync(await Client.GetAsync($"/api/v1/users/{subject}"));
        Assert.Equal([group], Strings(user["groups"]));
        Assert.Equal(["from-claim"], Strings(user["providerGroups"]));
    }

    [Fact]
    public async Task Roles_come_from_the_provider_and_there_are_no_passwords_to_change_or_reset()
    {
        var subject = $"idp-{Guid.NewGuid():N}";
        using var person = Bearer(subject, [Roles.Approver]);
        await GetMeAsync(person);

        await AssertProblemAsync(await Client.PatchAsJsonAsync($"/api/v1/users/{subject}", new { roles = new[] { Roles.Admin } }), 400, ErrorCodes.ValidationFailed);
        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/v1/users", new { username = $"idp-{Guid.NewGuid():N}", roles = new[] { Roles.Admin } }),
            400, ErrorCodes.ValidationFailed);
        Assert.Equal(HttpStatusCode.NotFound, (await person.PostAsJsonAsync("/api/v1/users/me/password", new { currentPassword = "x", newPassword = "y" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.PostAsync($"/api/v1/users/{subject}/password-reset", null)).StatusCode);
    }

    [Fact]
    public async Task A_disabled_provider_user_is_refused_though_the_provider_still_signs_their_tokens()
    {
        var subject = $"idp-{Guid.NewGuid():N}";
        using var person = Bearer(subject, [Roles.Approver]);
        await AssertStatusAsync(await person.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);

        await AssertStatusAsync(await Client.PatchAsJsonAsync($"/api/v1/users/{subject}", new { disabled = true }), HttpStatusCode.OK);

        await AssertProblemAsync(await person.GetAsync("/api/v1/approvals"), 401, ErrorCodes.Unauthenticated);
        using var fresh = Bearer(subject, [Roles.Approver], groups: ["new-claims"]);
        await AssertProblemAsync(await fresh.GetAsync("/api/v1/users/me"), 401, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task Provider_users_delegate_to_each_other_by_subject()
    {
        var (ann, ben) = ($"idp-ann-{Guid.NewGuid():N}", $"idp-ben-{Guid.NewGuid():N}");
        using var annClient = Bearer(ann, [Roles.Approver], groups: ["payroll"]);
        using var benClient = Bearer(ben, [Roles.Approver]);
        await GetMeAsync(benClient);

        await AssertStatusAsync(await annClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = ben, until = Factory.Clock.GetUtcNow().AddDays(1) }), HttpStatusCode.OK);

        Assert.Equal([ann], (await GetMeAsync(benClient))["delegators"]!.AsArray().Select(d => (string)d!["username"]!));
        using var scope = Factory.Services.CreateScope();
        var delegator = Assert.Single(await scope.ServiceProvider.GetRequiredService<PeopleDirectory>()
            .ActiveDelegatorsAsync($"user:{ben}", Factory.Clock.GetUtcNow()));
        Assert.Equal(($"user:{ann}", ann), (delegator.Actor, delegator.Username));
        Assert.Equal(["payroll"], delegator.Groups);
        Assert.Equal([Roles.Approver], delegator.Roles);
    }

    [Fact]
    public async Task A_token_cannot_bring_the_services_own_group_or_username_claims()
    {
        var subject = $"idp-{Guid.NewGuid():N}";
        using var person = Bearer(subject, [Roles.Requester], groups: ["real"], extra: new Dictionary<string, object>
        {
            [PersonClaims.Group] = "admins",
            [PersonClaims.Username] = "carol",
            [PersonClaims.PasswordChangeRequired] = "true",
        });

        var me = await GetMeAsync(person);

        Assert.Equal(subject, (string?)me["username"]);
        Assert.Equal(["real"], Strings(me["groups"]));
        await AssertStatusAsync(await person.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);
    }

    private HttpClient Bearer(string subject, string[] roles, string[]? groups = null, IReadOnlyDictionary<string, object>? extra = null)
    {
        var claims = new Dictionary<string, object>(extra ?? new Dictionary<string, object>());
        if (groups is not null)
        {
            claims["groups"] = groups;
        }

        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            Factory.Provider.Mint(subject, roles, IdentityProviderApiFactory.Audience, Factory.Clock.GetUtcNow(), extraClaims: claims));
        return client;
    }

    private static async Task<JsonObject> GetMeAsync(HttpClient person)
    {
        var response = await person.GetAsync("/api/v1/users/me");
        await AssertStatusAsync(response, HttpStatusCode.OK);
        return await ReadObjectAsync(response);
    }

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];
}

/// <summary>The provider names its group claim differently: <c>Auth:Jwt:GroupClaim</c>.</summary>
public sealed class CustomGroupClaimApiFactory : IdentityProviderApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [.. base.ExtraSettings, new("Auth:Jwt:GroupClaim", "team_groups")];
}

public class CustomGroupClaimTests(CustomGroupClaimApiFactory factory) : ApiTestBase<CustomGroupClaimApiFactory>(factory)
{
    [Fact]
    public async Task Groups_are_read_from_the_configured_claim_only()
    {
        using var person = Factory.CreateClient();
        person.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Factory.Provider.Mint(
            $"idp-{Guid.NewGuid():N}", [Roles.Approver], IdentityProviderApiFactory.Audience, Factory.Clock.GetUtcNow(),
            extraClaims: new Dictionary<string, object> { ["team_groups"] = new[] { "platform", "sre" }, ["groups"] = new[] { "ignored" } }));

        var me = (await person.GetFromJsonAsync<JsonObject>("/api/v1/users/me"))!;

        Assert.Equal(["platform", "sre"], me["groups"]!.AsArray().Select(g => (string)g!));
    }
}
