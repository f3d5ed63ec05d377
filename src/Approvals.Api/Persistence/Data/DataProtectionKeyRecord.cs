namespace Approvals.Api.Persistence.Data;

/// <summary>One key of ASP.NET Core Data Protection's key ring, as the framework writes it (<see cref="DataProtectionKeyStore"/>).</summary>
public sealed class DataProtectionKeyRecord
{
    public int Id { get; set; }

    public string? FriendlyName { get; set; }

    public required string Xml { get; set; }
}
