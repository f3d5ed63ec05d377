using Approvals.Domain;

namespace Approvals.Api.Approvals;

/// <summary>What a caller asks to create. Nulls are reported as missing fields, not thrown.</summary>
public sealed record ApprovalDraft(
    string? Title,
    string? Description,
    DateTimeOffset? Deadline,
    string? Comment,
    IReadOnlyList<int>? ServiceRules);

/// <summary>Fields a caller wants to set; a null field is left as it is.</summary>
public sealed record ApprovalEdit(
    string? Title = null,
    string? Description = null,
    DateTimeOffset? Deadline = null,
    string? Comment = null,
    IReadOnlyList<int>? ServiceRules = null);

/// <summary>
/// One request's change to an approval: an edit, a decision, or both (the original PUT allowed both at once).
/// <paramref name="ExpectedVersion"/> comes from <c>If-Match</c>; when set, a stale version is refused with 412.
/// </summary>
public sealed record ApprovalChange(ApprovalEdit Edit, Decision? Decision = null, int? ExpectedVersion = null);

internal static class Timestamps
{
    /// <summary>PostgreSQL keeps microseconds and UTC; normalising first makes "unchanged" comparisons exact.</summary>
    public static DateTimeOffset ToDatabasePrecision(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
    }
}
