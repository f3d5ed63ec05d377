using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>
/// Keys from configuration (<c>Auth:ApiKeys</c>): an optional bootstrap for services whose key is injected by the
/// deployment (a secret store, an environment variable) rather than created through <c>/api/v1/api-clients</c>.
/// Empty by default. They cannot be listed or revoked through the API: remove them from configuration instead.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string Section = "Auth";

    public List<ConfiguredApiKey> ApiKeys { get; set; } = [];

    /// <summary>How long a valid database key is remembered; also how late another instance notices a revocation.</summary>
    public int ApiKeyCacheSeconds { get; set; } = 30;
}

public sealed class ConfiguredApiKey
{
    public const int MinimumKeyLength = 16;

    public string Name { get; set; } = "";

    public string Key { get; set; } = "";

    /// <summary>The key's scopes; when none are listed it has all of them, as the original single key did.</summary>
    public List<string> Scopes { get; set; } = [];

    public IReadOnlyList<string> EffectiveScopes => Scopes.Count == 0 ? Auth.Scopes.All : Scopes;
}

internal sealed class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        var failures = new List<string>();
        foreach (var (key, index) in options.ApiKeys.Select((k, i) => (k, i)))
        {
            var at = $"Auth:ApiKeys:{index}";
            if (ApiClientNames.Check(key.Name) is { } badName)
            {
                failures.Add($"{at}:Name {badName}");
            }

            if (key.Key.Length < ConfiguredApiKey.MinimumKeyLength)
            {
                failures.Add($"{at}:Key must have at least {ConfiguredApiKey.MinimumKeyLength} characters.");
            }

            failures.AddRange(key.Scopes.Where(s => !Auth.Scopes.All.Contains(s))
                .Select(s => $"{at}:Scopes has the unknown scope '{s}'; use {string.Join(", ", Auth.Scopes.All)}."));
        }

        if (options.ApiKeyCacheSeconds is < 0 or > 3600)
        {
            failures.Add("Auth:ApiKeyCacheSeconds must be from 0 (no cache) to 3600.");
        }

        failures.AddRange(options.ApiKeys.GroupBy(k => k.Name, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"Auth:ApiKeys names the client '{g.Key}' more than once."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
