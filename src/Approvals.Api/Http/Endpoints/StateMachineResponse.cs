using Approvals.Domain;

namespace Approvals.Api.Http.Endpoints;

/// <summary>The transition table as JSON, generated from <see cref="ApprovalStateMachine"/>.</summary>
public sealed record StateMachineResponse(
    string InitialStatus,
    IReadOnlyList<StatusInfo> Statuses,
    IReadOnlyList<CommandInfo> Commands,
    IReadOnlyList<TransitionRow> Transitions,
    string Mermaid)
{
    public static StateMachineResponse Current { get; } = Build();

    private static StateMachineResponse Build() => new(
        ApprovalStateMachine.InitialStatus.ToWireName(),
        [.. ApprovalStatusNames.All.Select(s => new StatusInfo((int)s, s.ToWireName(), s.IsFinal()))],
        [.. ApprovalCommandInfo.All.Select(c => new CommandInfo(c.ToWireName(), c.Actor().ToString().ToLowerInvariant()))],
        [.. ApprovalStateMachine.Rows
            .OrderBy(r => r.Key.From).ThenBy(r => r.Key.Command)
            .Select(r => new TransitionRow(
                r.Key.From.ToWireName(),
                r.Key.Command.ToWireName(),
                r.Value.Target?.ToWireName(),
                r.Value.Rejection?.Code))],
        StateMachineDiagram.ToMermaid());
}

public sealed record StatusInfo(int Value, string Name, bool Final);

public sealed record CommandInfo(string Name, string Actor);

/// <summary>One (status, command) pair: the next status when allowed, otherwise the rejection code.</summary>
public sealed record TransitionRow(string From, string Command, string? To, string? Rejection);
