using System.Text.Json;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Webhooks;
using Approvals.Domain;

namespace Approvals.Api.Tests.Delivery;

/// <summary>The webhook body's shape is a contract with every downstream service: its names must not drift.</summary>
public class WebhookPayloadTests
{
    [Fact]
    public void The_body_has_the_original_id_and_status_the_event_and_the_approval_as_the_api_shows_it()
    {
        var approval = new ApprovalRecord
        {
            Id = Guid.CreateVersion7(),
            Title = "Laptop",
            Description = "For design",
            CreatedBy = "user:alice",
            Status = ApprovalStatus.AcknowledgedApproved,
            Version = 2,
            ServiceRules = [new ApprovalServiceRule { ServiceRuleId = 3, Position = 0 }],
        };

        var body = JsonSerializer.SerializeToElement(WebhookPayload.For(approval, ApprovalStatus.Approved), WebhookJsonContext.Default.WebhookPayload);

        Assert.Equal(["id", "status", "event", "approval"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, body.GetProperty("status").GetInt32());
        Assert.Equal("approval.approved", body.GetProperty("event").GetString());
        var shown = body.GetProperty("approval");
        Assert.Equal("ACKNOWLEDGED_APPROVED", shown.GetProperty("status").GetString());
        Assert.Equal([3], shown.GetProperty("serviceRules").EnumerateArray().Select(r => r.GetInt32()));
        Assert.Equal("Laptop", shown.GetProperty("title").GetString());
    }
}
