using System.Text.Json;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Tests.Persistence;

/// <summary>
/// The record's jsonb columns and the domain values they hold: a value is parsed from the column's current text, a
/// change rewrites only the columns whose value changed, and text set by anyone else is what counts from then on.
/// </summary>
public class ApprovalRecordPolicyTests
{
    private static readonly IReadOnlyList<ApprovalStage> Stages =
    [
        new("team", [new Approver(ApproverKind.User, "bob"), new Approver(ApproverKind.Role, "approver")], new StagePolicy(PolicyMode.All)),
    ];

    private static readonly Vote BobsVote = new(0, "user:bob", "bob", "user:bob", null, VoteChoice.Approve, "fine", DateTimeOffset.Parse("2026-12-06T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static ApprovalRecord RecordWithText(string? stages, string? votes, string? escalation) => new()
    {
        Title = "t",
        Description = "d",
        CreatedBy = "user:alice",
        Stages = stages,
        Votes = votes,
        Escalation = escalation,
    };

    [Fact]
    public void Unchanged_columns_keep_the_text_they_were_read_from_and_changed_ones_are_written()
    {
        // jsonb text as PostgreSQL returns it: not the way the service writes it, and it must not be rewritten.
        const string storedStages = """[{"name": "team", "policy": {"mode": "all"}, "approvers": [{"user": "bob"}, {"role": "approver"}]}]""";
        const string storedEscalation = """{"then": "cancel", "extendBy": "PT2H", "approvers": [{"role": "admin"}]}""";
        var record = RecordWithText(storedStages, null, storedEscalation);
        var stages = record.ParsedStages();
        var escalation = record.ParsedEscalation();
        Assert.Equal(Stages, stages, StageComparer.Instance);
        Assert.Empty(record.ParsedVotes());

        record.SetPolicy(stages, [BobsVote], escalation);

        Assert.Same(storedStages, record.Stages);
        Assert.Same(storedEscalation, record.Escalation);
        Assert.Equal([BobsVote], ApprovalPolicyJson.ReadVotes(record.Votes));
        Assert.Equal([BobsVote], record.ParsedVotes());

        // The same votes again: the text stays; other stages and no escalation: both are written.
        var votesText = record.Votes;
        IReadOnlyList<ApprovalStage> otherStages = [Stages[0] with { Name = "finance" }];
        record.SetPolicy(otherStages, [BobsVote], null);
        Assert.Same(votesText, record.Votes);
        Assert.Equal("finance", Assert.Single(ApprovalPolicyJson.ReadStages(record.Stages)).Name);
        Assert.Same(otherStages, record.ParsedStages());
        Assert.Null(record.Escalation);
        Assert.Null(record.ParsedEscalation());
    }

    [Fact]
    public void Text_set_on_the_record_replaces_the_values_parsed_before()
    {
        var record = RecordWithText(ApprovalPolicyJson.WriteStages(Stages), null, null);
        Assert.Equal("team", Assert.Single(record.ParsedStages()).Name);

        record.Stages = ApprovalPolicyJson.WriteStages([Stages[0] with { Name = "renamed" }]);
        Assert.Equal("renamed", Assert.Single(record.ParsedStages()).Name);

        // Values remembered for text that was since replaced are not taken for the column's: it is written again.
        var parsed = record.ParsedStages();
        record.Stages = """[{"name": "edited elsewhere", "approvers": [{"user": "bob"}], "policy": {"mode": "any"}}]""";
        record.SetPolicy(parsed, [], null);
        Assert.Equal("renamed", Assert.Single(ApprovalPolicyJson.ReadStages(record.Stages)).Name);
    }

    [Fact]
    public void A_document_written_while_another_is_written_on_the_same_thread_gets_a_buffer_of_its_own()
    {
        var outer = JsonText.Write("outer", static (json, name) =>
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("inner", JsonText.Write(Stages, ApprovalPolicyJson.WriteStages));
            json.WriteEndObject();
        });

        using var document = JsonDocument.Parse(outer);
        Assert.Equal("outer", document.RootElement.GetProperty("name").GetString());
        Assert.Equal(ApprovalPolicyJson.WriteStages(Stages), document.RootElement.GetProperty("inner").GetString());
        Assert.Equal("team", Assert.Single(ApprovalPolicyJson.ReadStages(document.RootElement.GetProperty("inner").GetString())).Name);
    }

    /// <summary>Stages hold lists, which records compare by reference: compared by their content here.</summary>
    private sealed class StageComparer : IEqualityComparer<ApprovalStage>
    {
        public static readonly StageComparer Instance = new();

        public bool Equals(ApprovalStage? x, ApprovalStage? y) =>
            x is not null && y is not null && x.Name == y.Name && x.Policy == y.Policy && x.Approvers.SequenceEqual(y.Approvers);

        public int GetHashCode(ApprovalStage obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
