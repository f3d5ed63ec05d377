using System.Security.Cryptography;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>
/// Local user accounts for the self-contained set-up: passwords are hashed with ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2, salted, versioned), never stored or logged in clear. With an identity
/// provider (<see cref="JwtOptions.UsesAuthority"/>) accounts have no password: the provider signs people in.
/// </summary>
public sealed class UserAccounts(PeopleStore store, IPasswordHasher<User> hasher, IOptions<JwtOptions> jwt, TimeProvider clock)
{
    public const int MaxUsernameLength = 100;
    public const int MaxPasswordLength = PasswordRules.MaxLength;

    /// <summary>Verified against when the user cannot sign in, so a wrong name costs the same time as a wrong password.</summary>
    private static readonly Lazy<string> DecoyHash = new(() =>
        new PasswordHasher<User>().HashPassword(new User { Username = "", Subject = "" }, GeneratePassword()));

    /// <summary>
    /// The user with these credentials, or null (unknown, disabled, without a password, or a wrong password); a hash
    /// in an outdated format is upgraded on the way.
    /// </summary>
    public async Task<User?> VerifyAsync(string username, string password, CancellationToken cancellationToken)
    {
        var user = await store.FindAccountAsync(username, cancellationToken);
        var usable = user is { Disabled: false, PasswordHash: not null };
        var result = hasher.VerifyHashedPassword(user ?? new User { Username = username, Subject = "" },
            usable ? user!.PasswordHash! : DecoyHash.Value, password);
        if (!usable || result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await store.UpgradePasswordHashAsync(user!.Id, user.PasswordHash!, hasher.HashPassword(user, password), cancellationToken);
        }

        return user;
    }

    /// <summary>Creates a local account with a password chosen for it; null when the name is taken.</summary>
    public async Task<User?> CreateAsync(string username, string password, IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        var (user, outcome) = await CreateAsync(username, password, roles, [], passwordChangeRequired: false, cancellationToken);
        return outcome == SaveOutcome.Saved ? user : null;
    }

    /// <summary>
    /// Creates a user with their local groups. Locally the user gets <paramref name="password"/> and their actor is
    /// <c>user:&lt;id&gt;</c>; with an identity provider the username is the provider's subject and there is no
    /// password (pass null).
    /// </summary>
    public async Task<(User User, SaveOutcome Outcome)> CreateAsync(
        string username, string? password, IReadOnlyList<string> roles, IReadOnlyCollection<Guid> groupIds, bool passwordChangeRequired,
        CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(clock.GetUtcNow());
        var external = jwt.Value.UsesAuthority;
        var user = new User
        {
            Id = id,
            Username = username,
            Subject = external ? username : id.ToString(),
            Roles = [.. roles],
            PasswordChangeRequired = passwordChangeRequired && !external,
            CreatedAt = clock.GetUtcNow(),
        };
        user.PasswordHash = external || password is null ? null : hasher.HashPassword(user, password);
        return (user, await store.AddUserAsync(user, groupIds, cancellationToken));
    }

    /// <summary>Gives the user a new one-time password (returned, to be shown once): tokens issued for it only allow choosing a new one.</summary>
    public async Task<string> ResetPasswordAsync(User user, CancellationToken cancellationToken)
    {
        var password = GeneratePassword();
        await store.SetPasswordAsync(user.Id, hasher.HashPassword(user, password), changeRequired: true, cancellationToken);
        return password;
    }

    /// <summary>The user replaces their password, proving they know the current one. Null when done.</summary>
    public async Task<DomainError?> ChangePasswordAsync(Guid userId, string currentPassword, string newPassword, CancellationToken cancellationToken)
    {
        var user = await store.FindAccountAsync(userId, cancellationToken);
        if (user?.PasswordHash is not { } hash || hasher.VerifyHashedPassword(user, hash, currentPassword) == PasswordVerificationResult.Failed)
        {
            return new DomainError(ErrorCodes.WrongPassword, "The current password is wrong.");
        }

        if (string.Equals(currentPassword, newPassword, StringComparison.Ordinal))
        {
            return DomainError.Validation("newPassword", "Must differ from the current password.");
        }

        await store.SetPasswordAsync(user.Id, hasher.HashPassword(user, newPassword), changeRequired: false, cancellationToken);
        return null;
    }

    /// <summary>A password for a generated account: 144 random bits, URL-safe so it survives copy and paste.</summary>
    public static string GeneratePassword() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));

    /// <summary>Why <paramref name="username"/> is not acceptable for a local account, or null when it is.</summary>
    public static string? CheckUsername(string? username) =>
        string.IsNullOrEmpty(username) || username.Length > MaxUsernameLength
        || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')
            ? $"A username is 1 to {MaxUsernameLength} characters: letters, digits, '-', '_', '.' or '@'."
            : null;
}
