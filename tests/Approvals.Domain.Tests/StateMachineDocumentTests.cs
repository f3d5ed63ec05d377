using Approvals.Domain;
using Approvals.Testing;

namespace Approvals.Domain.Tests;

public class StateMachineDocumentTests
{
    public const string DocumentPath = "docs/state-machine.md";

    [Fact]
    public void Committed_state_diagram_matches_the_transition_table() =>
        RepositoryFiles.AssertUpToDate(DocumentPath, Render());

    [Fact]
    public void Diagram_has_an_edge_for_every_allowed_transition_and_none_for_rejections()
    {
        var mermaid = StateMachineDiagram.ToMermaid();

        Assert.Contains("[*] --> PENDING : create", mermaid, StringComparison.Ordinal);
        Assert.Contains("PENDING --> ACKNOWLEDGED_APPROVED : approve", mermaid, StringComparison.Ordinal);
        Assert.Contains("ACKNOWLEDGED_APPROVED --> ERROR : delivery_failed", mermaid, StringComparison.Ordinal);
        Assert.Contains("APPROVED --> APPROVED : edit_comment", mermaid, StringComparison.Ordinal);
        foreach (var final in new[] { "APPROVED", "REJECTED", "CANCELLED" })
        {
            var targets = mermaid.Split('\n')
                .Select(line => line.Trim())
                .Where(line => line.StartsWith(final + " --> ", StringComparison.Ordinal))
                .Select(line => line.Split(' ')[2]);
            Assert.All(targets, target => Assert.True(target == final || target == "[*]", $"{final} must not move to {target}"));
        }

        Assert.DoesNotContain("UNKNOWN", mermaid, StringComparison.Ordinal);
    }

    private static string Render() => $"""
        # Approval state machine

        Generated from `ApprovalStateMachine` in `src/Approvals.Domain` by `StateMachineDocumentTests`; do not edit by
        hand. Regenerate with `UPDATE_GENERATED_DOCS=1 dotnet test`. The same table is served as JSON at
        `GET /api/v1/state-machine`. Pairs that are not drawn are refused with `approval.awaiting_delivery`
        (ACKNOWLEDGED_*), `approval.comment_only` (final statuses) or `approval.invalid_transition`.

        ```mermaid
        {StateMachineDiagram.ToMermaid().TrimEnd()}
        ```

        """;
}
