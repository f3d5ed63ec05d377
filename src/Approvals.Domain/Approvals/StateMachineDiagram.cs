using System.Text;

namespace Approvals.Domain;

/// <summary>Renders the transition table as a Mermaid state diagram, so the documentation cannot drift from the code.</summary>
public static class StateMachineDiagram
{
    public static string ToMermaid()
    {
        var builder = new StringBuilder();
        builder.Append("stateDiagram-v2\n");
        builder.Append("    [*] --> ").Append(ApprovalStateMachine.InitialStatus.ToWireName()).Append(" : create\n");

        var edges = ApprovalStateMachine.Rows
            .Where(row => row.Value.IsAllowed)
            .GroupBy(row => (row.Key.From, To: row.Value.Target!.Value))
            .OrderBy(group => (short)group.Key.From)
            .ThenBy(group => (short)group.Key.To);

        foreach (var edge in edges)
        {
            var commands = string.Join(", ", edge.OrderBy(row => row.Key.Command).Select(row => row.Key.Command.ToWireName()));
            builder.Append("    ").Append(edge.Key.From.ToWireName()).Append(" --> ").Append(edge.Key.To.ToWireName())
                .Append(" : ").Append(commands).Append('\n');
        }

        foreach (var final in ApprovalStatusNames.All.Where(status => status.IsFinal()))
        {
            builder.Append("    ").Append(final.ToWireName()).Append(" --> [*]\n");
        }

        return builder.ToString();
    }
}
