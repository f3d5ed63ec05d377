namespace Approvals.Domain;

/// <summary>The table's answer for one (state, command) pair: stay, move to a status, or a named rejection.</summary>
public sealed record Transition
{
    private Transition(ApprovalStatus? target, DomainError? rejection)
    {
        Target = target;
        Rejection = rejection;
    }

    /// <summary>The status after the command; <c>null</c> when the command is rejected.</summary>
    public ApprovalStatus? Target { get; }

    public DomainError? Rejection { get; }

    public bool IsAllowed => Rejection is null;

    public static Transition To(ApprovalStatus target) => new(target, null);

    public static Transition Reject(DomainError rejection) => new(null, rejection);
}
