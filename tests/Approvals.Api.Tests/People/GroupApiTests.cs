using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Security;
using Approvals.Domain;

namespace Approvals.Api.Tests.People;

/// <summary><c>/api/v1/groups</c>: local groups and their members, and how membership reaches the people in them.</summary>
public class GroupApiTests(SecurityApiFactory factory) : PeopleTestBase(factory)
{
    [Fact]
    public async Task A_group_is_created_with_its_members_and_read_back_with_them_in_order()
    {
        var (zed, amy) = (NewName("zed"), NewName("amy"));
        await Factory.UserAsync(zed, Roles.Approver);
        await Factory.UserAsync(amy, Roles.Approver);
        var name = NewName("finance");

        var response = await Client.PostAsJsonAsync("/api/v1/groups", new { name, members = new[] { zed, amy, zed } });

        await AssertStatusAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/v1/groups/{name}", response.Headers.Location?.OriginalString);
        var body = await ReadObjectAsync(response);
        Assert.Equal(name, (string?)body["name"]);
        Assert.Equal([amy, zed], Strings(body["members"]));
        Assert.Equal(body.ToJsonString(), (await GetObjectAsync(Client, $"/api/v1/groups/{name}")).ToJsonString());
    }

    [Fact]
    public async Task Members_are_replaced_added_and_removed_and_adding_or_removing_twice_changes_nothing()
    {
        var (a, b, c) = (NewName("a"), NewName("b"), NewName("c"));
        foreach (var user in new[] { a, b, c })
        {
            await Factory.UserAsync(user, Roles.Approver);
        }

        var name = NewName("ops");
        await CreateGroupAsync(name, a, b);

        var replaced = await Client.PutAsJsonAsync($"/api/v1/groups/{name}/members", new { members = new[] { b, c } });
        await AssertStatusAsync(replaced, HttpStatusCode.OK);
        Assert.Equal([b, c], Strings((await ReadObjectAsync(replaced))["members"]));

        foreach (var _ in new[] { 1, 2 })
        {
            var added = await Client.PutAsync($"/api/v1/groups/{name}/members/{a}", null);
            await AssertStatusAsync(added, HttpStatusCode.OK);
            Assert.Equal([a, b, c], Strings((await ReadObjectAsync(added))["members"]));
        }

        foreach (var _ in new[] { 1, 2 })
        {
            var removed = await Client.DeleteAsync($"/api/v1/groups/{name}/members/{b}");
            await AssertStatusAsync(removed, HttpStatusCode.OK);
            Assert.Equal([a, c], Strings((await ReadObjectAsync(removed))["members"]));
        }

        var emptied = await Client.PutAsJsonAsync($"/api/v1/groups/{name}/members", new { members = Array.Empty<string>() });
        Assert.Empty(Strings((await ReadObjectAsync(emptied))["members"]));
    }

    [Fact]
    public async Task Groups_are_listed_by_name_with_member_counts_in_pages()
    {
        var member = NewName("m");
        await Factory.UserAsync(member, Roles.Approver);
        var prefix = $"lst{Guid.NewGuid():N}"[..10];
        var names = Enumerable.Range(0, 3).Select(i => $"{prefix}-{i}").ToList();
        foreach (var name in names)
        {
            await CreateGroupAsync(name, member);
        }

        var listed = new List<(string Name, int Count)>();
        string? cursor = null;
        do
        {
            var page = await GetObjectAsync(Client, $"/api/v1/groups?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            listed.AddRange(page["items"]!.AsArray().Select(g => ((string)g!["name"]!, (int)g["memberCount"]!)));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);

        Assert.Equal(names.Select(n => (n, 1)), listed.Where(g => g.Name.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Equal(listed.Select(g => g.Name).Order(StringComparer.Ordinal), listed.Select(g => g.Name));
        await AssertFieldErrorsAsync(await Client.GetAsync("/api/v1/groups?cursor=!"), "cursor");
    }

    [Fact]
    public async Task A_deleted_group_is_gone_for_good_and_from_its_members_at_once()
    {
        var member = NewName("mem");
        await Factory.UserAsync(member, Roles.Approver);
        var name = NewName("tmp");
        await CreateGroupAsync(name, member);
        using var person = await SignInAsync(member, SecurityApiFactory.Password);
        Assert.Equal([name], Strings((await GetObjectAsync(person, "/api/v1/users/me"))["groups"]));

        await AssertStatusAsync(await Client.DeleteAsync($"/api/v1/groups/{name}"), HttpStatusCode.NoContent);

        Assert.Empty(Strings((await GetObjectAsync(person, "/api/v1/users/me"))["groups"]));
        await AssertRefusedAsync(() => Client.GetAsync($"/api/v1/groups/{name}"), 404, ErrorCodes.GroupNotFound);
        await AssertRefusedAsync(() => Client.DeleteAsync($"/api/v1/groups/{name}"), 404, ErrorCodes.GroupNotFound);
        await AssertStatusAsync(await GetUserAsync(member), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Joining_a_group_reaches_a_members_existing_token_at_once()
    {
        var member = NewName("join");
        await Factory.UserAsync(member, Roles.Requester);
        using var person = await SignInAsync(member, SecurityApiFactory.Password);
        Assert.Empty(Strings((await GetObjectAsync(person, "/api/v1/users/me"))["groups"]));
        var name = NewName("late");
        await CreateGroupAsync(name);

        await AssertStatusAsync(await Client.PutAsync($"/api/v1/groups/{name}/members/{member}", null), HttpStatusCode.OK);

        Assert.Equal([name], Strings((await GetObjectAsync(person, "/api/v1/users/me"))["groups"]));
    }

    [Theory]
    [InlineData("""{"members":[]}""", "name")]
    [InlineData("""{"name":"","members":[]}""", "name")]
    [InlineData("""{"name":"Finance","members":[]}""", "name")]
    [InlineData("""{"name":"fin ance","members":[]}""", "name")]
    [InlineData("""{"name":"-finance","members":[]}""", "name")]
    [InlineData("""{"name":"fine","members":[""]}""", "members")]
    [InlineData("""{"name":"fine","members":[],"owner":"bob"}""", "owner")]
    public async Task Invalid_groups_are_refused_with_400_and_nothing_is_stored(string body, string field)
    {
        var problem = await AssertRefusedAsync(() => Client.PostAsync("/api/v1/groups", Json(body)), 400, ErrorCodes.ValidationFailed);

        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Unknown_members_taken_names_and_unknown_groups_are_refused_with_their_codes()
    {
        var member = NewName("known");
        await Factory.UserAsync(member, Roles.Approver);
        var name = NewName("dup");
        await CreateGroupAsync(name, member);

        var problem = await AssertRefusedAsync(() => Client.PostAsJsonAsync("/api/v1/groups", new { name = NewName("new"), members = new[] { member, "ghost-one", "ghost-two" } }),
            422, ErrorCodes.UnknownUsers);
        Assert.Contains("ghost-one, ghost-two", (string?)problem["detail"], StringComparison.Ordinal);
        await AssertRefusedAsync(() => Client.PostAsJsonAsync("/api/v1/groups", new { name, members = Array.Empty<string>() }), 409, ErrorCodes.GroupNameTaken);
        await AssertRefusedAsync(() => Client.PutAsJsonAsync($"/api/v1/groups/{name}/members", new { members = new[] { "ghost" } }), 422, ErrorCodes.UnknownUsers);
        await AssertRefusedAsync(() => Client.PutAsJsonAsync($"/api/v1/groups/{name}/members", new { }), 400, ErrorCodes.ValidationFailed);
        await AssertRefusedAsync(() => Client.PutAsync($"/api/v1/groups/{name}/members/ghost", null), 422, ErrorCodes.UnknownUsers);
        await AssertRefusedAsync(() => Client.PutAsync($"/api/v1/groups/no-such-group/members/{member}", null), 404, ErrorCodes.GroupNotFound);
        await AssertRefusedAsync(() => Client.PutAsJsonAsync("/api/v1/groups/no-such-group/members", new { members = new[] { member } }), 404, ErrorCodes.GroupNotFound);
        await AssertRefusedAsync(() => Client.DeleteAsync($"/api/v1/groups/no-such-group/members/{member}"), 404, ErrorCodes.GroupNotFound);
        await AssertRefusedAsync(() => Client.GetAsync("/api/v1/groups/no-such-group"), 404, ErrorCodes.GroupNotFound);
    }

    [Fact]
    public async Task People_who_are_not_admins_may_not_manage_groups_or_users()
    {
        var username = NewName("appr");
        await Factory.UserAsync(username, Roles.Approver);
        using var approver = await SignInAsync(username, SecurityApiFactory.Password);
        var name = NewName("nope");

        await AssertRefusedAsync(() => approver.PostAsJsonAsync("/api/v1/groups", new { name, members = Array.Empty<string>() }), 403, ErrorCodes.Forbidden);
        await AssertRefusedAsync(() => approver.PostAsJsonAsync("/api/v1/users", new { username = NewName("x"), roles = new[] { Roles.Admin } }), 403, ErrorCodes.Forbidden);
        await AssertRefusedAsync(() => approver.PatchAsJsonAsync($"/api/v1/users/{username}", new { roles = new[] { Roles.Admin } }), 403, ErrorCodes.Forbidden);
        await AssertRefusedAsync(() => approver.GetAsync("/api/v1/groups"), 403, ErrorCodes.Forbidden);
    }

    private Task<HttpResponseMessage> GetUserAsync(string username) => Client.GetAsync($"/api/v1/users/{username}");
}
