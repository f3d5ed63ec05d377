using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Security;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.People;

/// <summary><c>/api/v1/users</c>: admins create, list, read and change people; what each change does to their tokens.</summary>
public class UserApiTests(SecurityApiFactory factory) : PeopleTestBase(factory)
{
    [Fact]
    public async Task Creating_a_user_shows_a_one_time_password_once_and_stores_only_its_hash()
    {
        var group = NewName("grp");
        await CreateGroupAsync(group);
        var username = NewName("nina");

        var response = await Client.PostAsJsonAsync("/api/v1/users", new { username, roles = new[] { Roles.Approver, Roles.Approver }, groups = new[] { group } });

        await AssertStatusAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/v1/users/{username}", response.Headers.Location?.OriginalString);
        var body = await ReadObjectAsync(response);
        var password = (string)body["oneTimePassword"]!;
        Assert.True(password.Length >= 24, password);
        var user = body["user"]!;
        Assert.Equal((username, true, false), ((string?)user["username"], (bool)user["passwordChangeRequired"]!, (bool)user["disabled"]!));
        Assert.Equal([Roles.Approver], Strings(user["roles"]));
        Assert.Equal([group], Strings(user["groups"]));
        Assert.Empty(Strings(user["providerGroups"]));
        Assert.Equal($"user:{user["id"]}", (string?)user["actor"]);

        var read = await GetObjectAsync(Client, $"/api/v1/users/{username}");
        Assert.Equal(user.ToJsonString(), read.ToJsonString());
        Assert.DoesNotContain(password, await Client.GetStringAsync("/api/v1/users?limit=200"), StringComparison.Ordinal);
        await using var db = Factory.CreateDbContext();
        var stored = await db.Users.AsNoTracking().SingleAsync(u => u.Username == username);
        Assert.StartsWith("AQAAAA", stored.PasswordHash, StringComparison.Ordinal);
        Assert.DoesNotContain(password, stored.PasswordHash!, StringComparison.Ordinal);
        Assert.Equal(stored.Id.ToString(), stored.Subject);
    }

    [Fact]
    public async Task A_one_time_password_signs_in_to_a_token_that_allows_only_reading_oneself_and_choosing_a_password()
    {
        var username = NewName("otp");
        var password = (string)(await CreateUserAsync(username, [Roles.Admin]))["oneTimePassword"]!;
        using var limited = await SignInAsync(username, password);

        var me = await GetObjectAsync(limited, "/api/v1/users/me");
        Assert.Equal((username, true), ((string?)me["username"], (bool)me["passwordChangeRequired"]!));
        foreach (var refused in new Func<Task<HttpResponseMessage>>[]
        {
            () => limited.GetAsync("/api/v1/approvals"),
            () => limited.GetAsync("/requests"),
            () => limited.GetAsync("/api/v1/state-machine"),
            () => limited.GetAsync("/api/v1/users"),
            () => limited.GetAsync("/api/v1/users/me/delegation"),
            () => limited.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = "anyone", until = FutureDeadline }),
            () => limited.PostAsJsonAsync("/api/v1/groups", new { name = NewName("g"), members = Array.Empty<string>() }),
        })
        {
            await AssertRefusedAsync(refused, 403, ErrorCodes.PasswordChangeRequired);
        }

        await AssertRefusedAsync(() => limited.PostAsJsonAsync("/api/v1/users/me/password", new { currentPassword = "wrong-password-0", newPassword = "a-brand-new-password" }),
            422, ErrorCodes.WrongPassword);
        var chosen = $"chosen-{Guid.NewGuid():N}";
        await AssertStatusAsync(await limited.PostAsJsonAsync("/api/v1/users/me/password", new { currentPassword = password, newPassword = chosen }), HttpStatusCode.NoContent);

        // The token stays what it was issued as; signing in with the new password gives a full one.
        await AssertProblemAsync(await limited.GetAsync("/api/v1/approvals"), 403, ErrorCodes.PasswordChangeRequired);
        await AssertProblemAsync(await TokenResponseAsync(username, password), 401, ErrorCodes.InvalidCredentials);
        using var full = await SignInAsync(username, chosen);
        await AssertStatusAsync(await full.GetAsync("/api/v1/users"), HttpStatusCode.OK);
        Assert.False((bool)(await GetObjectAsync(full, "/api/v1/users/me"))["passwordChangeRequired"]!);
    }

    [Fact]
    public async Task Changing_a_password_checks_the_current_one_and_the_rules_and_changes_nothing_when_refused()
    {
        var username = NewName("pw");
        await Factory.UserAsync(username, Roles.Requester);
        using var person = await SignInAsync(username, SecurityApiFactory.Password);
        Task<HttpResponseMessage> Change(object body) => person.PostAsJsonAsync("/api/v1/users/me/password", body);

        await AssertRefusedAsync(() => Change(new { currentPassword = "not-it-at-all", newPassword = "a-brand-new-password" }), 422, ErrorCodes.WrongPassword);
        await AssertRefusedAsync(() => Change(new { currentPassword = SecurityApiFactory.Password, newPassword = SecurityApiFactory.Password }), 400, ErrorCodes.ValidationFailed);
        foreach (var body in new object[]
        {
            new { currentPassword = SecurityApiFactory.Password, newPassword = "too-short" },
            new { currentPassword = SecurityApiFactory.Password, newPassword = new string('p', 201) },
            new { currentPassword = SecurityApiFactory.Password, newPassword = "                " },
            new { currentPassword = SecurityApiFactory.Password },
            new { newPassword = "a-brand-new-password" },
            new { currentPassword = SecurityApiFactory.Password, newPassword = "a-brand-new-password", extra = 1 },
        })
        {
            await AssertRefusedAsync(() => Change(body), 400, ErrorCodes.ValidationFailed);
        }

        await AssertStatusAsync(await TokenResponseAsync(username, SecurityApiFactory.Password), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_reset_gives_a_new_one_time_password_and_the_old_password_stops_signing_in()
    {
        var username = NewName("rst");
        await Factory.UserAsync(username, Roles.Approver);

        var response = await Client.PostAsync($"/api/v1/users/{username}/password-reset", null);

        await AssertStatusAsync(response, HttpStatusCode.OK);
        var body = await ReadObjectAsync(response);
        Assert.True((bool)body["user"]!["passwordChangeRequired"]!);
        await AssertProblemAsync(await TokenResponseAsync(username, SecurityApiFactory.Password), 401, ErrorCodes.InvalidCredentials);
        using var limited = await SignInAsync(username, (string)body["oneTimePassword"]!);
        await AssertProblemAsync(await limited.GetAsync("/api/v1/approvals"), 403, ErrorCodes.PasswordChangeRequired);
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in_and_their_token_stops_working_at_once_then_works_again_when_enabled()
    {
        var username = NewName("dis");
        await Factory.UserAsync(username, Roles.Approver);
        using var person = await SignInAsync(username, SecurityApiFactory.Password);
        await AssertStatusAsync(await person.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);

        var disabled = await Client.PatchAsJsonAsync($"/api/v1/users/{username}", new { disabled = true });

        await AssertStatusAsync(disabled, HttpStatusCode.OK);
        Assert.True((bool)(await ReadObjectAsync(disabled))["disabled"]!);
        await AssertProblemAsync(await person.GetAsync("/api/v1/approvals"), 401, ErrorCodes.Unauthenticated);
        await AssertProblemAsync(await person.GetAsync("/api/v1/users/me"), 401, ErrorCodes.Unauthenticated);
        await AssertProblemAsync(await TokenResponseAsync(username, SecurityApiFactory.Password), 401, ErrorCodes.InvalidCredentials);

        await AssertStatusAsync(await Client.PatchAsJsonAsync($"/api/v1/users/{username}", new { disabled = false }), HttpStatusCode.OK);
        await AssertStatusAsync(await person.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Another_instance_notices_a_disabled_user_within_the_cache_time()
    {
        var username = NewName("late");
        await Factory.UserAsync(username, Roles.Approver);
        using var person = await SignInAsync(username, SecurityApiFactory.Password);
        await AssertStatusAsync(await person.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);

        // Disabled by another instance: this one learns of it only from the database, when its cache entry expires.
        await using (var db = Factory.CreateDbContext())
        {
            await db.Users.Where(u => u.Username == username).ExecuteUpdateAsync(s => s.SetProperty(u => u.Disabled, true));
        }

        Factory.Clock.Advance(TimeSpan.FromSeconds(29));
        await AssertStatusAsync(await person.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);
        Factory.Clock.Advance(TimeSpan.FromSeconds(2));
        await AssertProblemAsync(await person.GetAsync("/api/v1/approvals"), 401, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task Roles_are_the_stored_ones_so_a_change_applies_to_tokens_already_issued()
    {
        var username = NewName("role");
        await Factory.UserAsync(username, Roles.Admin);
        using var person = await SignInAsync(username, SecurityApiFactory.Password);
        await AssertStatusAsync(await person.GetAsync("/api/v1/service-rules"), HttpStatusCode.OK);

        var changed = await Client.PatchAsJsonAsync($"/api/v1/users/{username}", new { roles = new[] { Roles.Approver } });

        await AssertStatusAsync(changed, HttpStatusCode.OK);
        Assert.Equal([Roles.Approver], Strings((await ReadObjectAsync(changed))["roles"]));
        await AssertProblemAsync(await person.GetAsync("/api/v1/service-rules"), 403, ErrorCodes.Forbidden);
        Assert.Equal([Roles.Approver], Strings((await GetObjectAsync(person, "/api/v1/users/me"))["roles"]));
    }

    [Fact]
    public async Task Patch_replaces_local_groups_and_leaves_what_it_does_not_name()
    {
        var (first, second) = (NewName("ga"), NewName("gb"));
        await CreateGroupAsync(first);
        await CreateGroupAsync(second);
        var username = NewName("pat");
        await CreateUserAsync(username, [Roles.Requester], [first]);

        var moved = await ReadObjectAsync(await Client.PatchAsJsonAsync($"/api/v1/users/{username}", new { groups = new[] { second } }));
        var unchanged = await ReadObjectAsync(await Client.PatchAsJsonAsync($"/api/v1/users/{username}", new { }));

        Assert.Equal([second], Strings(moved["groups"]));
        Assert.Equal([Roles.Requester], Strings(moved["roles"]));
        Assert.Equal(moved.ToJsonString(), unchanged.ToJsonString());
        Assert.Equal([username], Strings((await GetObjectAsync(Client, $"/api/v1/groups/{second}"))["members"]));
        Assert.Empty(Strings((await GetObjectAsync(Client, $"/api/v1/groups/{first}"))["members"]));
    }

    [Fact]
    public async Task Users_are_listed_by_username_in_pages_that_chain_with_cursors()
    {
        var prefix = $"lst{Guid.NewGuid():N}"[..10];
        var names = Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}").ToList();
        foreach (var name in names.AsEnumerable().Reverse())
        {
            await Factory.UserAsync(name, Roles.Requester);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetObjectAsync(Client, $"/api/v1/users?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.InRange(page["items"]!.AsArray().Count, 0, 2);
            seen.AddRange(page["items"]!.AsArray().Select(u => (string)u!["username"]!));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);

        Assert.Equal(names, seen.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        await AssertFieldErrorsAsync(await Client.GetAsync("/api/v1/users?limit=0"), "limit");
        await AssertFieldErrorsAsync(await Client.GetAsync("/api/v1/users?limit=201"), "limit");
        await AssertFieldErrorsAsync(await Client.GetAsync("/api/v1/users?cursor=%%%"), "cursor");
    }

    [Theory]
    [InlineData("""{"roles":["approver"]}""", "username")]
    [InlineData("""{"username":"","roles":["approver"]}""", "username")]
    [InlineData("""{"username":"has space","roles":["approver"]}""", "username")]
    [InlineData("""{"username":"me","roles":["approver"]}""", "username")]
    [InlineData("""{"username":"fine-name"}""", "roles")]
    [InlineData("""{"username":"fine-name","roles":["superuser"]}""", "roles")]
    [InlineData("""{"username":"fine-name","roles":["approver"],"groups":["Not A Slug"]}""", "groups")]
    public async Task Invalid_users_are_refused_with_400_and_nothing_is_stored(string body, string field)
    {
        var problem = await AssertRefusedAsync(() => Client.PostAsync("/api/v1/users", Json(body)), 400, ErrorCodes.ValidationFailed);

        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Unknown_groups_taken_names_and_unknown_users_are_refused_with_their_codes()
    {
        var username = NewName("Taken");
        await Factory.UserAsync(username, Roles.Requester);

        await AssertRefusedAsync(() => Client.PostAsJsonAsync("/api/v1/users", new { username = NewName("u"), roles = new[] { Roles.Approver }, groups = new[] { "no-such-group" } }),
            422, ErrorCodes.UnknownGroups);
        await AssertRefusedAsync(() => Client.PostAsJsonAsync("/api/v1/users", new { username, roles = new[] { Roles.Approver } }), 409, ErrorCodes.UsernameTaken);
        await AssertRefusedAsync(() => Client.PostAsJsonAsync("/api/v1/users", new { username = username.ToLowerInvariant(), roles = new[] { Roles.Approver } }),
            409, ErrorCodes.UsernameTaken);
        await AssertRefusedAsync(() => Client.GetAsync("/api/v1/users/nobody-at-all"), 404, ErrorCodes.UserNotFound);
        await AssertRefusedAsync(() => Client.PatchAsJsonAsync("/api/v1/users/nobody-at-all", new { disabled = true }), 404, ErrorCodes.UserNotFound);
        await AssertRefusedAsync(() => Client.PostAsync("/api/v1/users/nobody-at-all/password-reset", null), 404, ErrorCodes.UserNotFound);
        await AssertRefusedAsync(() => Client.PatchAsJsonAsync($"/api/v1/users/{username}", new { groups = new[] { "no-such-group" } }), 422, ErrorCodes.UnknownGroups);
        await AssertRefusedAsync(() => Client.PatchAsJsonAsync($"/api/v1/users/{username}", new { roles = new[] { "root" } }), 400, ErrorCodes.ValidationFailed);
        await AssertRefusedAsync(() => Client.PatchAsync($"/api/v1/users/{username}", Json("""{"disabled":"yes"}""")), 400, ErrorCodes.ValidationFailed);
        await AssertRefusedAsync(() => Client.PatchAsync($"/api/v1/users/{username}", Json("""{"password":"x"}""")), 400, ErrorCodes.ValidationFailed);
    }

    [Fact]
    public async Task Admins_cannot_disable_themselves_or_drop_their_own_admin_role()
    {
        var username = NewName("adm");
        await Factory.UserAsync(username, Roles.Admin);
        using var admin = await SignInAsync(username, SecurityApiFactory.Password);

        await AssertRefusedAsync(() => admin.PatchAsJsonAsync($"/api/v1/users/{username}", new { disabled = true }), 409, ErrorCodes.UserSelfLockout);
        await AssertRefusedAsync(() => admin.PatchAsJsonAsync($"/api/v1/users/{username}", new { roles = new[] { Roles.Approver } }), 409, ErrorCodes.UserSelfLockout);

        var kept = await admin.PatchAsJsonAsync($"/api/v1/users/{username}", new { roles = new[] { Roles.Admin, Roles.Approver } });
        await AssertStatusAsync(kept, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Me_answers_people_with_themselves_and_refuses_service_keys()
    {
        var group = NewName("team");
        var username = NewName("me");
        await Factory.UserAsync(username, Roles.Approver, Roles.Requester);
        await CreateGroupAsync(group, username);
        using var person = await SignInAsync(username, SecurityApiFactory.Password);

        var me = await GetObjectAsync(person, "/api/v1/users/me");

        var user = await Factory.UserAsync(username);
        Assert.Equal((user.Id.ToString(), username, user.Actor), ((string?)me["id"], (string?)me["username"], (string?)me["actor"]));
        Assert.Equal([Roles.Approver, Roles.Requester], Strings(me["roles"]));
        Assert.Equal([group], Strings(me["groups"]));
        Assert.Null(me["delegation"]);
        Assert.Empty(me["delegators"]!.AsArray());
        await AssertProblemAsync(await Client.GetAsync("/api/v1/users/me"), 403, ErrorCodes.Forbidden);
    }
}
