using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Security;

/// <summary>Every kind of caller the matrix tries: eight with bad credentials, seven with good ones.</summary>
public enum CallerKind
{
    Anonymous,
    MalformedHeader,
    UnknownKey,
    RevokedKey,
    ExpiredToken,
    TokenSignedWithAnotherKey,
    TokenWithWrongIssuer,
    TokenWithWrongAudience,
    Requester,
    Approver,
    Admin,
    ReadKey,
    WriteKey,
    DecideKey,
    AdminKey,
}

/// <summary>
/// The matrix's callers and the resources its requests act on. Good callers are created for real (users and their
/// tokens through the service, keys through the admin endpoint); the three API key header forms are spread over
/// the key callers. Every approval a request acts on is created by the requester, so "own" rules apply to them.
/// </summary>
public sealed class MatrixCallers(SecurityApiFactory factory)
{
    public const string Requester = "alice";
    public const string ApproverName = "bob";
    private readonly SemaphoreSlim _setupLock = new(1, 1);
    private Dictionary<CallerKind, Action<HttpRequestHeaders>>? _credentials;
    private int? _serviceRule;
    private string? _requesterToken;

    public DateTimeOffset Deadline => factory.Clock.GetUtcNow().AddDays(3);

    public static bool HasBadCredentials(CallerKind caller) => caller < CallerKind.Requester;

    public async Task AuthenticateAsync(HttpRequestMessage request, CallerKind caller)
    {
        var credentials = await CredentialsAsync();
        credentials[caller](request.Headers);
    }

    public async Task<int> ServiceRuleAsync() => _serviceRule ??= await factory.AddServiceRuleAsync($"matrix-{Guid.NewGuid():N}");

    public Task<int> NewServiceRuleAsync() => factory.AddServiceRuleAsync($"matrix-{Guid.NewGuid():N}");

    public async Task<Guid> NewApiClientAsync() => (await factory.CreateApiClientAsync($"matrix-{Guid.NewGuid():N}", Scopes.Read)).Id;

    /// <summary>A fresh user, for requests that change one.</summary>
    public async Task<string> NewUserAsync() => (await factory.UserAsync($"matrix-{Guid.NewGuid():N}", Roles.Approver)).Username;

    /// <summary>A fresh local group with one member, for requests that change one.</summary>
    public async Task<string> NewGroupAsync()
    {
        var name = $"matrix-{Guid.NewGuid():N}";
        using var admin = factory.CreateAuthenticatedClient();
        var response = await admin.PostAsJsonAsync("/api/v1/groups", new { name, members = new[] { await NewUserAsync() } });
        response.EnsureSuccessStatusCode();
        return name;
    }

    /// <summary>Whom the matrix's people delegate to: someone who never delegates, so no delegation of theirs makes a chain.</summary>
    public async Task<string> DelegateAsync() => (await factory.UserAsync("matrix-delegate", Roles.Approver)).Username;

    /// <summary>Gives each of the matrix's people a delegation, as the delegation endpoint would, so there is one to read.</summary>
    public async Task EnsureDelegationsAsync()
    {
        await CredentialsAsync();
        var delegateId = (await factory.UserAsync(await DelegateAsync(), Roles.Approver)).Id;
        var now = factory.Clock.GetUtcNow();
        await using var db = factory.CreateDbContext();
        foreach (var username in new[] { Requester, "bob", "carol" })
        {
            var id = (await factory.UserAsync(username)).Id;
            if (!await db.Delegations.AnyAsync(d => d.DelegatorId == id))
            {
                db.Delegations.Add(new DelegationRecord { DelegatorId = id, DelegateId = delegateId, StartsAt = now, EndsAt = now.AddDays(3), CreatedAt = now });
            }
        }

        await db.SaveChangesAsync();
    }

    /// <summary>A fresh PENDING approval created by the requester through the API.</summary>
    public Task<Guid> NewApprovalAsync() => NewApprovalAsync(approvers: null);

    /// <summary>A fresh approval by the requester that names the matrix's approver as its one approver.</summary>
    public async Task<Guid> NewApprovalForApproverAsync()
    {
        await factory.UserAsync(ApproverName, Roles.Approver);
        return await NewApprovalAsync(approvers: [new { user = ApproverName }]);
    }

    private async Task<Guid> NewApprovalAsync(object[]? approvers)
    {
        var rule = await ServiceRuleAsync();
        using var requester = factory.ClientWithToken(_requesterToken ??= await factory.TokenAsync(Requester));
        var response = await requester.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Matrix approval",
            description = "Made by the requester for one matrix cell.",
            deadline = Deadline,
            serviceRules = new[] { rule },
            approvers,
        });
        response.EnsureSuccessStatusCode();
        return Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
    }

    /// <summary>
    /// A fresh approval in ERROR whose approval job failed, arranged in the database as the dispatcher leaves it
    /// (the default factory runs no dispatcher): what the redelivery endpoint needs.
    /// </summary>
    public async Task<(Guid ApprovalId, Guid JobId)> NewFailedDeliveryAsync()
    {
        var approvalId = await NewApprovalAsync();
        return (approvalId, await factory.SeedFailedDeliveryAsync(approvalId));
    }

    private async Task<Dictionary<CallerKind, Action<HttpRequestHeaders>>> CredentialsAsync()
    {
        await _setupLock.WaitAsync();
        try
        {
            return _credentials ??= await CreateCredentialsAsync();
        }
        finally
        {
            _setupLock.Release();
        }
    }

    private async Task<Dictionary<CallerKind, Action<HttpRequestHeaders>>> CreateCredentialsAsync()
    {
        await factory.UserAsync(Requester, Roles.Requester);
        await factory.UserAsync(ApproverName, Roles.Approver);
        var admin = await factory.UserAsync("carol", Roles.Admin);
        var (revokedId, revokedKey) = await factory.CreateApiClientAsync("matrix-revoked", Scopes.All.ToArray());
        await factory.RevokeApiClientAsync(revokedId);
        var readKey = (await factory.CreateApiClientAsync("matrix-read", Scopes.Read)).Key;
        var writeKey = (await factory.CreateApiClientAsync("matrix-write", Scopes.Write)).Key;
        var decideKey = (await factory.CreateApiClientAsync("matrix-decide", Scopes.Decide)).Key;
        var adminKey = (await factory.CreateApiClientAsync("matrix-admin", Scopes.Admin)).Key;

        // Hand-minted tokens are right in every way but one, and claim the admin role, so only that one flaw fails them.
        var now = factory.Clock.GetUtcNow();
        string Minted(string? key = null, string? issuer = null, string? audience = null, TimeSpan? startsIn = null) =>
            TestTokens.Mint(now, admin.Id.ToString(), [Roles.Admin], key ?? SecurityApiFactory.SigningKey,
                issuer ?? SecurityApiFactory.Issuer, audience ?? SecurityApiFactory.Audience, startsIn: startsIn);

        return new()
        {
            [CallerKind.Anonymous] = _ => { },
            [CallerKind.MalformedHeader] = h => h.TryAddWithoutValidation("Authorization", "Bearer not-a-jwt"),
            [CallerKind.UnknownKey] = h => h.Add("X-Api-Key", $"apv_{Guid.NewGuid():N}{Guid.NewGuid():N}"),
            [CallerKind.RevokedKey] = h => h.TryAddWithoutValidation("Authorization", revokedKey),
            [CallerKind.ExpiredToken] = Bearer(Minted(startsIn: TimeSpan.FromMinutes(-10))),
            [CallerKind.TokenSignedWithAnotherKey] = Bearer(Minted(key: "another-signing-key-that-is-long-enough-0123")),
            [CallerKind.TokenWithWrongIssuer] = Bearer(Minted(issuer: "someone-else")),
            [CallerKind.TokenWithWrongAudience] = Bearer(Minted(audience: "another-api")),
            [CallerKind.Requester] = Bearer(await factory.TokenAsync(Requester)),
            [CallerKind.Approver] = Bearer(await factory.TokenAsync("bob")),
            [CallerKind.Admin] = Bearer(await factory.TokenAsync("carol")),
            [CallerKind.ReadKey] = h => h.Add("X-Api-Key", readKey),
            [CallerKind.WriteKey] = h => h.TryAddWithoutValidation("Authorization", $"ApiKey {writeKey}"),
            [CallerKind.DecideKey] = h => h.TryAddWithoutValidation("Authorization", decideKey),
            [CallerKind.AdminKey] = h => h.Add("X-Api-Key", adminKey),
        };
    }

    private static Action<HttpRequestHeaders> Bearer(string token) => h => h.Authorization = new AuthenticationHeaderValue("Bearer", token);
}
