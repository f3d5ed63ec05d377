using System.Security.Cryptography;
using Approvals.Api.Persistence.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Auth;

/// <summary>
/// Local user accounts for the self-contained set-up: passwords are hashed with ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2, salted, versioned), never stored or logged in clear.
/// </summary>
public sealed class UserAccounts(ApprovalsDbContext db, IPasswordHasher<User> hasher, TimeProvider clock)
{
    public const int MaxUsernameLength = 100;
    public const int MaxPasswordLength = 200;

    /// <summary>Verified against when the user does not exist, so a wrong name costs the same time as a wrong password.</summary>
    private static readonly Lazy<string> DecoyHash = new(() =>
        new PasswordHasher<User>().HashPassword(new User { Username = "", PasswordHash = "" }, GeneratePassword()));

    /// <summary>The user with these credentials, or null; a hash in an outdated format is upgraded on the way.</summary>
    public async Task<User?> VerifyAsync(string username, string password, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Username == username, cancellationToken);
        var result = hasher.VerifyHashedPassword(user ?? new User { Username = username, PasswordHash = "" }, user?.PasswordHash ?? DecoyHash.Value, password);
        if (user is null || result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            await db.SaveChangesAsync(cancellationToken);
        }

        return user;
    }

    /// <summary>Creates a user; null when the name is taken.</summary>
    public async Task<User?> CreateAsync(string username, string password, IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(u => u.Username == username, cancellationToken))
        {
            return null;
        }

        var user = new User
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            Username = username,
            PasswordHash = "",
            Roles = [.. roles],
            CreatedAt = clock.GetUtcNow(),
        };
        user.PasswordHash = hasher.HashPassword(user, password);
        db.Users.Add(user);
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>A password for a generated account: 144 random bits, URL-safe so it survives copy and paste.</summary>
    public static string GeneratePassword() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));

    /// <summary>Why <paramref name="username"/> is not acceptable, or null when it is.</summary>
    public static string? CheckUsername(string? username) =>
        string.IsNullOrEmpty(username) || username.Length > MaxUsernameLength
        || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')
            ? $"A username is 1 to {MaxUsernameLength} characters: letters, digits, '-', '_', '.' or '@'."
            : null;
}
