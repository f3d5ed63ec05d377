using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Approvals.Api.Tests.Security;

/// <summary>A person the tests created, with the actor the service records for them.</summary>
public sealed record TestUser(Guid Id, string Username)
{
    public string Actor => $"user:{Id}";
}

/// <summary>
/// The real service with a known JWT signing key, issuer and audience (so tests can mint bad tokens by hand),
/// local users created through the service's own <see cref="UserAccounts"/>, and every log message captured.
/// People get their tokens the real way, from <c>POST /api/v1/auth/token</c>.
/// </summary>
public class SecurityApiFactory : ApprovalsApiFactory
{
    public const string SigningKey = "security-tests-signing-key-0123456789abcdef";
    public const string Issuer = "approvals-security-tests";
    public const string Audience = "approvals-api-security-tests";
    public const string Password = "correct-horse-battery-staple";

    private readonly ConcurrentDictionary<string, Lazy<Task<TestUser>>> _users = new();

    public CapturedLogs Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Auth:Jwt:SigningKey", SigningKey),
        new("Auth:Jwt:Issuer", Issuer),
        new("Auth:Jwt:Audience", Audience),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).AddFilter<CapturedLogs>(null, LogLevel.Trace));
    }

    /// <summary>The user with this name, created on first use with the given roles and <see cref="Password"/>.</summary>
    public Task<TestUser> UserAsync(string username, params string[] roles) =>
        _users.GetOrAdd(username, name => new Lazy<Task<TestUser>>(async () =>
        {
            using var scope = Services.CreateScope();
            var user = await scope.ServiceProvider.GetRequiredService<UserAccounts>().CreateAsync(name, Password, roles, CancellationToken.None);
            return new TestUser(user!.Id, user.Username);
        })).Value;

    public async Task<string> TokenAsync(string username, string password = Password)
    {
        using var anonymous = CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"token for {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!;
    }

    /// <summary>A client signed in as the user (created on first use with these roles).</summary>
    public async Task<HttpClient> ClientForUserAsync(string username, params string[] roles)
    {
        await UserAsync(username, roles);
        return ClientWithToken(await TokenAsync(username));
    }

    public HttpClient ClientWithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A client sending the key as <c>Authorization: ApiKey &lt;key&gt;</c>.</summary>
    public HttpClient ClientWithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return client;
    }

    /// <summary>Creates an API client through the admin endpoint and returns its id and key.</summary>
    public async Task<(Guid Id, string Key)> CreateApiClientAsync(string name, params string[] scopes)
    {
        using var admin = CreateAuthenticatedClient();
        var response = await admin.PostAsJsonAsync("/api/v1/api-clients", new { name, scopes });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"api client {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (Guid.Parse((string)body["apiClient"]!["id"]!), (string)body["key"]!);
    }

    public async Task RevokeApiClientAsync(Guid id)
    {
        using var admin = CreateAuthenticatedClient();
        var response = await admin.DeleteAsync($"/api/v1/api-clients/{id}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }
}
