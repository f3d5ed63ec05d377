using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;

namespace Approvals.Api.Tests.People;

/// <summary>
/// Arrange helpers for the people tests: users made through the admin API (the test key has every scope), people
/// signed in through the token endpoint, and usernames unique per test so the tests of a class share a database.
/// </summary>
public abstract class PeopleTestBase(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    /// <summary>A username no other test uses.</summary>
    protected static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>Creates a user through <c>POST /api/v1/users</c> and returns the response body.</summary>
    protected async Task<JsonObject> CreateUserAsync(string username, string[] roles, string[]? groups = null)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/users", new { username, roles, groups });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return await ReadObjectAsync(response);
    }

    protected async Task CreateGroupAsync(string name, params string[] members) =>
        await AssertStatusAsync(await Client.PostAsJsonAsync("/api/v1/groups", new { name, members }), HttpStatusCode.Created);

    /// <summary>A person with a password they chose (made as <c>create-admin</c> does), signed in.</summary>
    protected async Task<HttpClient> PersonAsync(string username, params string[] roles) => await Factory.ClientForUserAsync(username, roles);

    protected async Task<HttpClient> SignInAsync(string username, string password) => Factory.ClientWithToken(await Factory.TokenAsync(username, password));

    protected async Task<HttpResponseMessage> TokenResponseAsync(string username, string password) =>
        await Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password });

    protected static async Task<JsonObject> GetObjectAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        await AssertStatusAsync(response, HttpStatusCode.OK);
        return await ReadObjectAsync(response);
    }

    protected static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];

    /// <summary>Sends a request that must be refused with this status and code, and proves it changed nothing.</summary>
    protected async Task<JsonObject> AssertRefusedAsync(Func<Task<HttpResponseMessage>> send, int status, string code)
    {
        var before = await SnapshotAsync();
        var problem = await AssertProblemAsync(await send(), status, code);
        before.AssertUnchanged(await SnapshotAsync(), $"A request refused with {code}");
        return problem;
    }
}
