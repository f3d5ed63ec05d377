using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>The demo's people and service key; the values are public demo values, never real secrets.</summary>
public sealed class DemoAccountsOptions
{
    public const string Section = "Demo";

    /// <summary>The original service's demo key, kept so its clients work against the demo unchanged.</summary>
    public string ApiKey { get; set; } = "stashapprovalapikey";

    public string UserPassword { get; set; } = "demo";
}

/// <summary>
/// Loaded only with the demo data: alice (requester), bob and dave (approvers) and carol (admin), the group
/// <c>finance</c> (bob and carol), and the API client <c>demo</c> holding the demo key with every scope. Without the
/// demo data no account exists until <c>create-admin</c> makes one.
/// </summary>
internal static class DemoAccounts
{
    public const string ClientName = "demo";

    public static IReadOnlyList<(string Username, string Role)> Users { get; } =
        [("alice", Roles.Requester), ("bob", Roles.Approver), ("carol", Roles.Admin), ("dave", Roles.Approver)];

    public static (string Name, string[] Members) DemoGroup { get; } = ("finance", ["bob", "carol"]);

    public static async Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<DemoAccountsOptions>>().Value;
        var accounts = services.GetRequiredService<UserAccounts>();
        var people = services.GetRequiredService<PeopleStore>();
        var existing = await people.UserIdsAsync([.. Users.Select(u => u.Username)], cancellationToken);
        foreach (var (username, role) in Users.Where(u => !existing.ContainsKey(u.Username)))
        {
            // Looked up first: on a restart the users exist, and an insert that the unique key refuses would log an error.
            await accounts.CreateAsync(username, options.UserPassword, [role], cancellationToken);
        }

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (await people.FindGroupAsync(DemoGroup.Name, cancellationToken) is null)
        {
            var members = await people.UserIdsAsync(DemoGroup.Members, cancellationToken);
            await people.AddGroupAsync(new Group { Id = Guid.CreateVersion7(now), Name = DemoGroup.Name, CreatedAt = now },
                [.. members.Values.Select(m => m.Id)], cancellationToken);
        }

        var db = services.GetRequiredService<ApprovalsDbContext>();
        if (!await db.ApiClients.AnyAsync(c => c.Name == ClientName, cancellationToken))
        {
            db.ApiClients.Add(new ApiClient
            {
                Id = Guid.CreateVersion7(now),
                Name = ClientName,
                KeyHash = ApiKeyFormat.Hash(options.ApiKey),
                KeyPrefix = ApiKeyFormat.DisplayPrefix(options.ApiKey),
                Scopes = [.. Scopes.All],
                CreatedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
