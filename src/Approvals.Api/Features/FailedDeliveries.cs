using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>The position after the last approval of a page of failed deliveries: its last change and id.</summary>
public sealed record FailedDeliveryCursor(DateTimeOffset UpdatedAt, Guid Id)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{UpdatedAt.UtcTicks}.{Id:N}"));

    public static bool TryDecode(string? value, out FailedDeliveryCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(value) || value.Length > 100)
        {
            return false;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value)).Split('.');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParseExact(parts[1], "N", out var id))
            {
                cursor = new FailedDeliveryCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
                return true;
            }
        }
        catch (FormatException)
        {
        }

        return false;
    }
}

/// <summary>A page of approvals in ERROR; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record FailedDeliveriesPage(IReadOnlyList<FailedApprovalRow> Items, string? NextCursor);

/// <summary>
/// The admins' list of failed deliveries: the approvals in ERROR, most recently changed first, each with the failed
/// jobs of its current decision, which <see cref="Redelivery"/> can send again.
/// </summary>
public sealed class FailedDeliveries(DeliveryJobStore jobs)
{
    public async Task<Result<FailedDeliveriesPage>> ReadAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        FailedDeliveryCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && !FailedDeliveryCursor.TryDecode(cursor, out after))
        {
            return DomainError.Validation("cursor", "Not a cursor this list gave out.");
        }

        var items = await jobs.FailedAsync(after?.UpdatedAt, after?.Id, limit, cancellationToken);
        var next = items.Count == limit ? new FailedDeliveryCursor(items[^1].UpdatedAt, items[^1].ApprovalId).Encode() : null;
        return new FailedDeliveriesPage(items, next);
    }
}
