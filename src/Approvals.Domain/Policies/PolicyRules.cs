namespace Approvals.Domain;

/// <summary>Where a stage stands after its votes so far.</summary>
public enum StageStanding
{
    Open,
    Approved,

    /// <summary>Too few approvers are left to meet the policy: the approval is rejected.</summary>
    Rejected,
}

/// <summary>
/// The rules of approvers, policies and stages: what a valid policy is, which seats a stage has, which seat a person's
/// vote fills, and whether a stage is met. Pure functions; the group members a stage needs come from the caller.
/// </summary>
public static class PolicyRules
{
    public const int MaxStages = 10;
    public const int MaxApproversPerStage = 50;
    public const int MaxNameLength = 100;

    /// <summary>The single stage of an approval that names approvers without stages.</summary>
    public const string DefaultStageName = "approval";

    /// <summary>Checks the shape of a policy (names, counts); whether named users and groups exist is the use case's.</summary>
    public static void Check(IReadOnlyList<ApprovalStage> stages, FieldErrors errors, string field)
    {
        if (stages.Count is 0 or > MaxStages)
        {
            errors.Add(field, $"Between 1 and {MaxStages} stages are allowed.");
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var at = $"{field}[{i}]";
            if (field == "approvers")
            {
                CheckApprovers(stage.Approvers, errors, "approvers");
                CheckPolicy(stage, errors, "");
                continue;
            }

            if (string.IsNullOrWhiteSpace(stage.Name) || stage.Name.Length > MaxNameLength)
            {
                errors.Add($"{at}.name", $"A stage needs a name of 1 to {MaxNameLength} characters.");
            }
            else if (!names.Add(stage.Name))
            {
                errors.Add($"{at}.name", $"Stage names must be unique; '{stage.Name}' is used twice.");
            }

            CheckApprovers(stage.Approvers, errors, $"{at}.approvers");
            CheckPolicy(stage, errors, at + ".");
        }
    }

    public static void CheckApprovers(IReadOnlyList<Approver> approvers, FieldErrors errors, string at)
    {
        if (approvers.Count is 0 or > MaxApproversPerStage)
        {
            errors.Add(at, $"Between 1 and {MaxApproversPerStage} approvers are allowed per stage.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var approver in approvers)
        {
            if (string.IsNullOrWhiteSpace(approver.Name) || approver.Name.Length > MaxNameLength)
            {
                errors.Add(at, $"Each approver names a user, a group or a role of 1 to {MaxNameLength} characters.");
            }
            else if (!seen.Add(approver.Seat))
            {
                errors.Add(at, $"'{approver.Seat}' is named twice.");
            }
        }
    }

    private static void CheckPolicy(ApprovalStage stage, FieldErrors errors, string at)
    {
        var policy = stage.Policy;
        if (policy.Mode == PolicyMode.AtLeast)
        {
            if (policy.Count is not { } count || count < 1)
            {
                errors.Add($"{at}policy.count", "'atLeast' needs a count of 1 or more.");
            }
        }
        else if (policy.Count is not null)
        {
            errors.Add($"{at}policy.count", "A count is only allowed with the mode 'atLeast'.");
        }

        if (policy.Members && !stage.Approvers.Any(a => a.Kind == ApproverKind.Group))
        {
            errors.Add($"{at}policy.members", "'members' counts each member of the named groups; this stage names no group.");
        }
    }

    /// <summary>
    /// A well-formed policy that can never be met: a stage needs more approvals than it has seats (<c>atLeast</c> above
    /// the number of approvers, or <c>members</c> over groups with too few members). 422
    /// <c>approval.policy_unmeetable</c> with the stages' fields; null when every stage can be met.
    /// </summary>
    public static DomainError? CheckMeetable(IReadOnlyList<ApprovalStage> stages, Func<string, IReadOnlyList<string>> membersOf, string field)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var seats = Seats(stage, membersOf).Count;
            var needed = Required(stage.Policy, seats);
            if (seats == 0 || needed > seats)
            {
                errors[field == "approvers" ? "policy" : $"{field}[{i}].policy"] =
                    [$"The policy can never be met: it needs {needed} approval(s) and the stage has {seats} approver(s)."];
            }
        }

        return errors.Count == 0
            ? null
            : new DomainError(ErrorCodes.PolicyUnmeetable, "The policy can never be met with the approvers it names.")
            {
                FieldErrors = errors,
            };
    }

    /// <summary>A stage's seats: one per approver entry, or one per member for groups when the policy counts members.</summary>
    public static IReadOnlyList<string> Seats(ApprovalStage stage, Func<string, IReadOnlyList<string>> membersOf)
    {
        var seats = new List<string>();
        foreach (var approver in stage.Approvers)
        {
            if (approver.Kind == ApproverKind.Group && stage.Policy.Members)
            {
                seats.AddRange(membersOf(approver.Name).Select(VoteSeats.User));
            }
            else
            {
                seats.Add(approver.Seat);
            }
        }

        return seats.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The seats <paramref name="person"/> may fill in <paramref name="stage"/>, their own seat first, then groups, then roles.</summary>
    public static IEnumerable<string> SeatsOf(VotingPerson person, ApprovalStage stage, IReadOnlyList<string> seats)
    {
        var own = VoteSeats.User(person.Username);
        if (seats.Contains(own))
        {
            yield return own;
        }

        foreach (var approver in stage.Approvers)
        {
            var matches = approver.Kind switch
            {
                ApproverKind.Group => !stage.Policy.Members && person.Groups.Contains(approver.Name),
                ApproverKind.Role => person.Roles.Contains(approver.Name),
                _ => false,
            };
            if (matches)
            {
                yield return approver.Seat;
            }
        }
    }

    /// <summary>Whether an approval in <paramref name="status"/> takes votes: the transition table's <c>vote</c> row.</summary>
    public static bool TakesVotes(ApprovalStatus status) => ApprovalStateMachine.Evaluate(status, ApprovalCommand.Vote).IsAllowed;

    /// <summary>Whether two policies name the same stages, approvers and rules, in the same order.</summary>
    public static bool SameStages(IReadOnlyList<ApprovalStage> a, IReadOnlyList<ApprovalStage> b) =>
        a.Count == b.Count && a.Zip(b).All(pair => pair.First.Name == pair.Second.Name && pair.First.Policy == pair.Second.Policy
            && pair.First.Approvers.SequenceEqual(pair.Second.Approvers));

    /// <summary>Approvals a stage needs.</summary>
    public static int Required(StagePolicy policy, int seats) => policy.Mode switch
    {
        PolicyMode.Any => 1,
        PolicyMode.All => seats,
        PolicyMode.AtLeast => policy.Count ?? 1,
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy.Mode, null),
    };

    /// <summary>
    /// Met once enough seats approved; rejected as soon as the seats still open cannot make up the approvals missing
    /// (so a reject vote rejects only when the policy can no longer be met without that approver).
    /// </summary>
    public static StageStanding Evaluate(ApprovalStage stage, IReadOnlyList<string> seats, IEnumerable<Vote> stageVotes)
    {
        var filled = new HashSet<string>(StringComparer.Ordinal);
        var approvals = 0;
        foreach (var vote in stageVotes)
        {
            filled.Add(vote.Seat);
            if (vote.Choice == VoteChoice.Approve)
            {
                approvals++;
            }
        }

        var required = Required(stage.Policy, seats.Count);
        if (approvals >= required && seats.Count > 0)
        {
            return StageStanding.Approved;
        }

        var open = seats.Count(seat => !filled.Contains(seat));
        return approvals + open < required ? StageStanding.Rejected : StageStanding.Open;
    }
}
