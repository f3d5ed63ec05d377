using System.Globalization;
using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>How the detail page words policies, approvers, deliveries and durations for people.</summary>
public static class ApprovalWords
{
    /// <summary>"Any one of", "All of", "At least 2 of".</summary>
    public static string Policy(StagePolicy policy) => policy.Mode switch
    {
        PolicyMode.Any => "Any one of",
        PolicyMode.All => "All of",
        PolicyMode.AtLeast => $"At least {policy.Count ?? 1} of",
        _ => policy.Mode.ToWireName(),
    };

    /// <summary>One approver entry: a username, a group (one vote through any member, or each member's own), a role.</summary>
    public static string Approver(Approver approver, bool countsMembers) => approver.Kind switch
    {
        ApproverKind.User => approver.Name,
        ApproverKind.Group when countsMembers => $"each member of the group {approver.Name}",
        ApproverKind.Group => $"the group {approver.Name} (any one member)",
        _ => $"anyone with the role {approver.Name}",
    };

    /// <summary>A stage as one line: "manager: any one of bob, the group finance (any one member)".</summary>
    public static string Stage(ApprovalStage stage) =>
        $"{stage.Name}: {Policy(stage.Policy).ToLowerInvariant()} {string.Join(", ", stage.Approvers.Select(a => Approver(a, stage.Policy.Members)))}";

    /// <summary>Where a stage stands (the API's <c>state</c>): approved, open, closed or waiting.</summary>
    public static string StageState(string state) => state switch
    {
        "approved" => "Approved",
        "open" => "Open: its approvers vote now",
        "closed" => "Closed: the request was decided while it was open",
        _ => "Waiting for the stages before it",
    };

    public static string Vote(VoteChoice choice) => choice == VoteChoice.Approve ? "Approved" : "Rejected";

    /// <summary>A delivery job's state as people read it; a pending job that has tried before is retrying.</summary>
    public static string Delivery(DeliveryState state, int attempts) => state switch
    {
        DeliveryState.Pending when attempts > 0 => "Retrying",
        DeliveryState.Pending => "Waiting to send",
        DeliveryState.Sending => "Sending",
        DeliveryState.Succeeded => "Delivered",
        DeliveryState.Failed => "Failed",
        DeliveryState.Superseded => "Replaced by a later decision",
        _ => state.ToString(),
    };

    /// <summary>The CSS modifier of a delivery state (the status badge's colours).</summary>
    public static string DeliveryClass(DeliveryState state) => state switch
    {
        DeliveryState.Succeeded => "status-approved",
        DeliveryState.Failed => "status-error",
        DeliveryState.Superseded => "status-other",
        _ => "status-pending",
    };

    /// <summary>"2 days 3 hours", "45 minutes": a duration to the minute (a reminder's lead, an escalation's extension).</summary>
    public static string Duration(TimeSpan span)
    {
        var parts = new List<string>();
        void Add(int count, string unit)
        {
            if (count > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{count} {unit}{(count == 1 ? "" : "s")}"));
            }
        }

        Add(span.Days, "day");
        Add(span.Hours, "hour");
        Add(span.Minutes, "minute");
        return parts.Count == 0 ? "less than a minute" : string.Join(" ", parts);
    }

    /// <summary>The confirmation after a successful post (the <c>done</c> of the redirect); null for anything else.</summary>
    public static string? Done(string? done) => done switch
    {
        "vote-approve" => "Your vote to approve is recorded.",
        "vote-reject" => "Your vote to reject is recorded.",
        "approve" => "You approved this request.",
        "reject" => "You rejected this request.",
        "cancel" => "You cancelled this request.",
        _ => null,
    };
}
