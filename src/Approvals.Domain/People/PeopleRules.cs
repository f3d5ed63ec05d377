namespace Approvals.Domain;

/// <summary>How local group names look: lowercase slugs, so a name means one group however it is typed.</summary>
public static class GroupNames
{
    public const int MaxLength = 64;

    /// <summary>Why <paramref name="name"/> is not a group name, or null when it is.</summary>
    public static string? Check(string? name)
    {
        var valid = !string.IsNullOrEmpty(name) && name.Length <= MaxLength
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);
        return valid ? null
            : $"1 to {MaxLength} characters: lowercase letters, digits and single hyphens, starting and ending with a letter or digit.";
    }
}

/// <summary>What a password chosen by its owner must be. Generated one-time passwords are longer than the minimum.</summary>
public static class PasswordRules
{
    public const int MinLength = 12;
    public const int MaxLength = 200;

    /// <summary>Why <paramref name="password"/> cannot be chosen, or null when it can.</summary>
    public static string? Check(string? password) =>
        password is null || password.Length is < MinLength or > MaxLength || string.IsNullOrWhiteSpace(password)
            ? $"A password is {MinLength} to {MaxLength} characters, not only spaces."
            : null;
}
