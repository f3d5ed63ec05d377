using System.Text.Json;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api;

public sealed class DemoDataOptions
{
    public const string Section = "Demo";

    public string UserServiceUrl { get; set; } = "http://localhost:8001/approval";

    public string UserServiceApiKey { get; set; } = "usersvcapikey";

    /// <summary>Shared with the demo UserService so it can verify signatures; a demo value, never a real secret.</summary>
    public string UserServiceSigningSecret { get; set; } = "whsec_ZGVtby1zaWduaW5nLXNlY3JldC1mb3ItdXNlcnN2Yw==";
}

/// <summary>The original's sample service rules and approvals, with deadlines moved into the future.</summary>
internal static class DemoData
{
    public static async Task SeedAsync(ApprovalsDbContext db, DemoDataOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!await db.ServiceRules.AnyAsync(r => r.Id == 1 || r.Id == 2, cancellationToken))
        {
            db.ServiceRules.AddRange(
                new ServiceRule
                {
                    Id = 1,
                    Name = "UserSvc",
                    Url = options.UserServiceUrl,
                    ApiKey = options.UserServiceApiKey,
                    SigningSecret = options.UserServiceSigningSecret,
                    CreatedAt = now,
                },
                new ServiceRule
                {
                    // Exists to show the error path: the URL cannot be used.
                    Id = 2,
                    Name = "TESTINVALIDURL",
                    Url = "INVALID URL",
                    ApiKey = "invalid",
                    SigningSecret = ServiceRuleEndpoints.NewSigningSecret(),
                    CreatedAt = now,
                });
            await db.SaveChangesAsync(cancellationToken);
            await ServiceRuleStore.ContinueIdsAfterSeededAsync(db, cancellationToken);
        }

        if (await db.Approvals.AnyAsync(cancellationToken))
        {
            return;
        }

        var seeder = Caller.System("seed");
        var samples = new (string Title, string Description, int Rule, ApprovalStatus Status, int DaysAhead)[]
        {
            ("Invalid Service Rule Test", "Approving this shows the error path: its service rule has an unusable URL.", 2, ApprovalStatus.Pending, 30),
            ("Test Item in Error State", "A delivery failed; decide again to retry.", 1, ApprovalStatus.Error, 31),
            ("John Doe Approval", "Already approved and delivered.", 1, ApprovalStatus.Approved, 32),
            ("Approval for user John Doe ID Verification", "Verify John Doe's identity documents.", 1, ApprovalStatus.Pending, 33),
            ("Change name of John Doe", "John Doe asks to change his display name.", 1, ApprovalStatus.Pending, 34),
        };

        foreach (var (title, description, rule, status, daysAhead) in samples)
        {
            var approval = new ApprovalRecord
            {
                Id = Guid.CreateVersion7(now),
                Title = title,
                Description = description,
                Status = status,
                PreviousStatus = status == ApprovalStatus.Pending ? null : ApprovalStatus.Pending,
                Deadline = Timestamps.ToStoredPrecision(now.AddDays(daysAhead)),
                CreatedBy = seeder.Actor,
                CreatedAt = now,
                Version = 1,
                ServiceRules = [new ApprovalServiceRule { ServiceRuleId = rule, Position = 0 }],
            };
            db.Approvals.Add(approval);
            // Seeded at their status as they stand in the original's samples, each with one created event.
            var created = new ApprovalEvent(Guid.CreateVersion7(now), approval.Id, approval.Version, ApprovalEventType.Created, now,
                seeder.Actor, null, null, status, [new FieldChange("title", null, title)], EventDetails.None);
            db.Events.Add(new ApprovalEventRecord
            {
                Id = created.Id,
                ApprovalId = created.ApprovalId,
                Sequence = created.Sequence,
                Type = created.Type.ToWireName(),
                OccurredAt = created.OccurredAt,
                Actor = created.Actor,
                Data = JsonDocument.Parse(ApprovalEventData.Write(created)),
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
