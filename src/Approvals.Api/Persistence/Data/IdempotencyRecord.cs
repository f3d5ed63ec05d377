namespace Approvals.Api.Persistence.Data;

/// <summary>The first response to a request that carried an <c>Idempotency-Key</c>, replayed to retries.</summary>
public sealed class IdempotencyRecord
{
    public required string Caller { get; set; }

    public required string Key { get; set; }

    public required string RequestHash { get; set; }

    /// <summary>Null while the first request is still running.</summary>
    public int? StatusCode { get; set; }

    public string? ResponseBody { get; set; }

    public string? Location { get; set; }

    public string? ETag { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
