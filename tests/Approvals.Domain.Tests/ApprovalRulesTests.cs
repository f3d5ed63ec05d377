using Approvals.Domain;

namespace Approvals.Domain.Tests;

public class ApprovalRulesTests
{
    [Theory]
    [InlineData(null, "Title is required.")]
    [InlineData("   ", "Title is required.")]
    [InlineData("tab\tinside", "Title must not contain control characters.")]
    public void Bad_titles_are_named(string? title, string message)
    {
        var errors = new FieldErrors();
        ApprovalRules.CheckTitle(title, errors);

        var error = errors.ToError();
        Assert.NotNull(error);
        Assert.Equal(ErrorCodes.ValidationFailed, error.Code);
        Assert.Equal([message], error.FieldErrors!["title"]);
    }

    [Fact]
    public void Title_length_is_limited_to_200()
    {
        var ok = new FieldErrors();
        ApprovalRules.CheckTitle(new string('a', 200), ok);
        var tooLong = new FieldErrors();
        ApprovalRules.CheckTitle(new string('a', 201), tooLong);

        Assert.True(ok.IsEmpty);
        Assert.False(tooLong.IsEmpty);
    }

    [Fact]
    public void Description_and_comment_allow_newlines_up_to_10000_characters()
    {
        var errors = new FieldErrors();
        ApprovalRules.CheckDescription("line one\nline two\r\n\tindented", errors);
        ApprovalRules.CheckComment(new string('c', 10_000), errors);
        Assert.True(errors.IsEmpty);

        ApprovalRules.CheckComment(new string('c', 10_001), errors);
        ApprovalRules.CheckDescription("bell\u0007", errors);
        Assert.Equal(2, errors.ToError()!.FieldErrors!.Count);
    }

    [Theory]
    [InlineData(new int[0], false)]
    [InlineData(new[] { 1 }, true)]
    [InlineData(new[] { 1, 2 }, true)]
    [InlineData(new[] { 1, 1 }, false)]
    [InlineData(new[] { 0 }, false)]
    [InlineData(new[] { -3 }, false)]
    public void Service_rules_are_required_distinct_and_positive(int[] rules, bool valid)
    {
        var errors = new FieldErrors();
        ApprovalRules.CheckServiceRules(rules, errors);
        Assert.Equal(valid, errors.IsEmpty);
    }

    [Fact]
    public void Deadline_must_be_in_the_future()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Null(ApprovalRules.CheckDeadline(now.AddSeconds(1), now));
        Assert.Equal(ErrorCodes.DeadlineInPast, ApprovalRules.CheckDeadline(now, now)!.Code);
        Assert.Equal(ErrorKind.Unprocessable, ApprovalRules.CheckDeadline(now.AddDays(-1), now)!.Kind);
    }

    [Theory]
    [InlineData("PENDING", ApprovalStatus.Pending)]
    [InlineData("acknowledged_approved", ApprovalStatus.AcknowledgedApproved)]
    [InlineData("ERROR", ApprovalStatus.Error)]
    public void Status_names_round_trip(string name, ApprovalStatus status)
    {
        Assert.True(ApprovalStatusNames.TryParse(name, out var parsed));
        Assert.Equal(status, parsed);
        Assert.Equal(name.ToUpperInvariant(), status.ToWireName());
    }

    [Fact]
    public void Status_numbers_are_the_originals()
    {
        Assert.Equal(
            [0, 1, 2, 3, 4, 5, 6, 7, 8],
            ApprovalStatusNames.All.Select(s => (int)s));
        Assert.Equal(
            ["UNKNOWN", "ERROR", "PENDING", "APPROVED", "REJECTED", "CANCELLED", "ACKNOWLEDGED_APPROVED", "ACKNOWLEDGED_REJECTED", "ACKNOWLEDGED_CANCELLED"],
            ApprovalStatusNames.All.Select(s => s.ToWireName()));
    }
}
