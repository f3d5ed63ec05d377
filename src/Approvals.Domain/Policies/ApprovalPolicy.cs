namespace Approvals.Domain;

/// <summary>What an approver entry names: one person, a group (whose members may vote), or everyone with a role.</summary>
public enum ApproverKind
{
    User,
    Group,
    Role,
}

/// <summary>One entry of a stage's approvers: <c>{user: "bob"}</c>, <c>{group: "finance"}</c> or <c>{role: "approver"}</c>.</summary>
public sealed record Approver(ApproverKind Kind, string Name)
{
    /// <summary>The entry as one vote's slot: <c>user:bob</c>, <c>group:finance</c>, <c>role:approver</c>.</summary>
    public string Seat => Kind switch
    {
        ApproverKind.User => VoteSeats.User(Name),
        ApproverKind.Group => VoteSeats.Group(Name),
        ApproverKind.Role => VoteSeats.Role(Name),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };
}

/// <summary>How many of a stage's approvers must approve.</summary>
public enum PolicyMode
{
    /// <summary>One approval suffices.</summary>
    Any,

    /// <summary>Every approver must approve.</summary>
    All,

    /// <summary>At least <see cref="StagePolicy.Count"/> approvers must approve.</summary>
    AtLeast,
}

/// <summary>
/// A stage's rule. A group counts as one approver whose vote any member may cast (as in Azure Pipelines), unless
/// <paramref name="Members"/> is set: then each member of each named group counts as an approver of their own.
/// </summary>
public sealed record StagePolicy(PolicyMode Mode, int? Count = null, bool Members = false)
{
    public static readonly StagePolicy AnyOne = new(PolicyMode.Any);
}

/// <summary>One step of an approval's policy; stages are decided in order, each opening when the previous one is approved.</summary>
public sealed record ApprovalStage(string Name, IReadOnlyList<Approver> Approvers, StagePolicy Policy);

/// <summary>A vote's choice.</summary>
public enum VoteChoice
{
    Approve,
    Reject,
}

/// <summary>
/// A vote as recorded: in which stage, which seat it filled (<see cref="VoteSeats"/>), whose vote it is
/// (<paramref name="Voter"/>: the person's username) and, when a delegate cast it for them, who did
/// (<paramref name="CastBy"/>, a username; null when the voter cast it).
/// </summary>
public sealed record Vote(
    int Stage,
    string Seat,
    string Voter,
    string VoterActor,
    string? CastBy,
    VoteChoice Choice,
    string Comment,
    DateTimeOffset CastAt);

/// <summary>
/// A person who may vote, as the use case resolved them: their actor (<c>user:&lt;id&gt;</c>), username, groups and
/// roles. The caller, or someone who delegated to the caller.
/// </summary>
public sealed record VotingPerson(string Actor, string Username, IReadOnlySet<string> Groups, IReadOnlySet<string> Roles)
{
    /// <summary>The caller as a voter: a person with a username; null for service keys and the system.</summary>
    public static VotingPerson? Of(Caller caller) =>
        caller.IsPerson && caller.Username is { } username ? new(caller.Actor, username, caller.Groups, caller.Roles) : null;

    /// <summary>Every seat this person could fill: their own, their groups', their roles'.</summary>
    public IReadOnlyList<string> Seats =>
        [VoteSeats.User(Username), .. Groups.Select(VoteSeats.Group), .. Roles.Select(VoteSeats.Role)];
}

/// <summary>The names of the seats votes fill.</summary>
public static class VoteSeats
{
    public static string User(string username) => "user:" + username;

    public static string Group(string group) => "group:" + group;

    public static string Role(string role) => "role:" + role;
}

/// <summary>The names of policy values on the wire (requests, responses, stored JSON and event data).</summary>
public static class PolicyWireNames
{
    public static string ToWireName(this ApproverKind kind) => kind switch
    {
        ApproverKind.User => "user",
        ApproverKind.Group => "group",
        ApproverKind.Role => "role",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string ToWireName(this PolicyMode mode) => mode switch
    {
        PolicyMode.Any => "any",
        PolicyMode.All => "all",
        PolicyMode.AtLeast => "atLeast",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static PolicyMode? ParseMode(string? mode) => mode switch
    {
        "any" => PolicyMode.Any,
        "all" => PolicyMode.All,
        "atLeast" => PolicyMode.AtLeast,
        _ => null,
    };

    public static string ToWireName(this VoteChoice choice) => choice == VoteChoice.Approve ? "approve" : "reject";

    public static VoteChoice? ParseChoice(string? choice) => choice switch
    {
        "approve" => VoteChoice.Approve,
        "reject" => VoteChoice.Reject,
        _ => null,
    };

    public static string ToWireName(this StageStanding standing) => standing switch
    {
        StageStanding.Open => "open",
        StageStanding.Approved => "approved",
        StageStanding.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(standing), standing, null),
    };
}
