using Approvals.Domain;

namespace Approvals.Api.Persistence.Data;

/// <summary>
/// An approval as stored (EF Core's model, and what reads return). Its rules live in the domain's <c>Approval</c>
/// aggregate, which changes are made through.
/// </summary>
public sealed class ApprovalRecord
{
    public Guid Id { get; set; }

    public required string Title { get; set; }

    public required string Description { get; set; }

    public string Comment { get; set; } = "";

    public ApprovalStatus Status { get; set; }

    public ApprovalStatus? PreviousStatus { get; set; }

    public DateTimeOffset Deadline { get; set; }

    /// <summary>The approval's own <c>onDeadline</c>; null follows its service rules' default when the deadline passes.</summary>
    public DeadlineAction? OnDeadline { get; set; }

    /// <summary>The reminders before the deadline, as ISO 8601 durations the way the client wrote them.</summary>
    public string[] RemindBefore { get; set; } = [];

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set by a database trigger on every update.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Optimistic-concurrency token, incremented on every change; it is the ETag.</summary>
    public int Version { get; set; }

    /// <summary>The decision whose delivery jobs count; a new decision supersedes the jobs of the old one.</summary>
    public Guid? CurrentDecisionId { get; set; }

    /// <summary>Why the approval is in ERROR, when a delivery put it there.</summary>
    public DeliveryError? LastError { get; set; }

    /// <summary>The approvers and policy as stages (jsonb, <see cref="ApprovalPolicyJson"/>); null when none are named.</summary>
    public string? Stages { get; set; }

    /// <summary>The index of the stage whose approvers vote now (or voted last); null without stages.</summary>
    public short? OpenStage { get; set; }

    /// <summary>
    /// The seats of the open stage (<c>user:bob</c>, <c>group:finance</c>, <c>role:approver</c>) while the approval is
    /// PENDING, else null: who may vote now, indexed for the inbox. Written, never read back.
    /// </summary>
    public string[]? OpenSeats { get; set; }

    /// <summary>What <c>onDeadline: escalate</c> does (jsonb, <see cref="ApprovalPolicyJson"/>); null otherwise.</summary>
    public string? Escalation { get; set; }

    /// <summary>Every vote cast, in order (jsonb, <see cref="ApprovalPolicyJson"/>); null before the first.</summary>
    public string? Votes { get; set; }

    /// <summary>The approval's service rules, in the order the client gave them.</summary>
    public List<ApprovalServiceRule> ServiceRules { get; set; } = [];

    public List<DeliveryJob> DeliveryJobs { get; set; } = [];

    public List<ApprovalTimerRecord> Timers { get; set; } = [];

    // The jsonb columns as the domain's values, each with the text it was read from or written as (not mapped: EF
    // Core maps properties). A change parses them once for its aggregate, writes only the ones it changed, and its
    // response reads the values it wrote instead of parsing the text again (docs/benchmarks.md, issue 18).
    private Parsed<IReadOnlyList<ApprovalStage>> _parsedStages;
    private Parsed<IReadOnlyList<Vote>> _parsedVotes;
    private Parsed<Escalation?> _parsedEscalation;

    /// <summary>The <see cref="Stages"/> column as the domain's stages (empty when none are named).</summary>
    public IReadOnlyList<ApprovalStage> ParsedStages() => _parsedStages.Of(Stages, ApprovalPolicyJson.ReadStages);

    /// <summary>The <see cref="Votes"/> column as the domain's votes, in order.</summary>
    public IReadOnlyList<Vote> ParsedVotes() => _parsedVotes.Of(Votes, ApprovalPolicyJson.ReadVotes);

    /// <summary>The <see cref="Escalation"/> column as the domain's escalation (null when none).</summary>
    public Escalation? ParsedEscalation() => _parsedEscalation.Of(Escalation, ApprovalPolicyJson.ReadEscalation);

    /// <summary>
    /// Sets the jsonb columns to an aggregate's stages, votes and escalation; a column whose value is the one it holds
    /// (the same stages or escalation, equal votes) keeps its text.
    /// </summary>
    public void SetPolicy(IReadOnlyList<ApprovalStage> stages, IReadOnlyList<Vote> votes, Escalation? escalation)
    {
        if (!_parsedStages.Holds(Stages, stages, static (held, value) => ReferenceEquals(held, value)))
        {
            Stages = ApprovalPolicyJson.WriteStages(stages);
            _parsedStages = new(Stages, stages);
        }

        if (!_parsedVotes.Holds(Votes, votes, static (held, value) => held.SequenceEqual(value)))
        {
            // A copy: the aggregate's list grows with its next vote.
            IReadOnlyList<Vote> written = [.. votes];
            Votes = ApprovalPolicyJson.WriteVotes(written);
            _parsedVotes = new(Votes, written);
        }

        if (!_parsedEscalation.Holds(Escalation, escalation, static (held, value) => ReferenceEquals(held, value)))
        {
            Escalation = escalation is null ? null : ApprovalPolicyJson.WriteEscalation(escalation);
            _parsedEscalation = new(Escalation, escalation);
        }
    }

    /// <summary>A column's value with the text it belongs to; it counts only while the column still holds that text.</summary>
    private struct Parsed<T>(string? json, T value)
    {
        private string? _json = json;
        private T _value = value;
        private bool _known = true;

        public T Of(string? current, Func<string?, T> read)
        {
            if (!_known || !ReferenceEquals(current, _json))
            {
                (_json, _value, _known) = (current, read(current), true);
            }

            return _value;
        }

        public readonly bool Holds(string? current, T candidate, Func<T, T, bool> same) =>
            _known && ReferenceEquals(current, _json) && same(_value, candidate);
    }
}
