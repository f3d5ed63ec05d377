using Approvals.Api.Auth;
using Approvals.Api.Persistence;
using Microsoft.Extensions.Options;

namespace Approvals.Api;

/// <summary>
/// <c>dotnet run --project src/Approvals.Api -- create-admin &lt;name&gt;</c>: creates the first admin account (after
/// applying migrations), prints its generated password once, and exits without serving. The password goes to the
/// console only, never to the logs.
/// </summary>
internal static class CreateAdminCommand
{
    public const string Name = "create-admin";

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Name;

    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(IHost host, string[] args, TextWriter output, TextWriter error)
    {
        var problem = args.Length == 2 ? UserAccounts.CheckUsername(args[1]) : "Give exactly one username.";
        if (problem is not null)
        {
            await error.WriteLineAsync($"Usage: {Name} <username>. {problem}");
            return 2;
        }

        if (host.Services.GetRequiredService<IOptions<JwtOptions>>().Value.UsesAuthority)
        {
            await error.WriteLineAsync("Auth:Jwt:Authority is set, so people sign in with the identity provider: give the user the admin role there.");
            return 1;
        }

        await host.InitializeDatabaseAsync();
        await using var scope = host.Services.CreateAsyncScope();
        var password = UserAccounts.GeneratePassword();
        var user = await scope.ServiceProvider.GetRequiredService<UserAccounts>()
            .CreateAsync(args[1], password, [Roles.Admin], CancellationToken.None);
        if (user is null)
        {
            await error.WriteLineAsync($"A user named '{args[1]}' exists already; nothing was changed.");
            return 1;
        }

        await output.WriteLineAsync($"Created admin '{user.Username}' (actor user:{user.Id}).");
        await output.WriteLineAsync($"Password (shown once, store it now): {password}");
        await output.WriteLineAsync("Get a token with POST /api/v1/auth/token {\"username\", \"password\"}.");
        return 0;
    }
}
