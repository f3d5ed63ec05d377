using System.ComponentModel.DataAnnotations;

namespace Approvals.Api.Auth;

public sealed class ApiKeyOptions
{
    public const string Section = "Auth";

    /// <summary>Keys accepted from configuration, for services that call the API.</summary>
    public List<ConfiguredApiKey> ApiKeys { get; set; } = [];
}

public sealed class ConfiguredApiKey
{
    [Required, StringLength(100, MinimumLength = 1)]
    public string Name { get; set; } = "";

    [Required, StringLength(500, MinimumLength = 8)]
    public string Key { get; set; } = "";
}
