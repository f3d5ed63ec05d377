using Approvals.Domain;

namespace Approvals.Domain.Tests;

public class DelegationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Delegation Between(string delegator, string delegate_, int fromDay, int untilDay) =>
        new(delegator, delegate_, Now.AddDays(fromDay), Now.AddDays(untilDay));

    [Fact]
    public void A_delegation_to_an_enabled_user_with_nobody_else_involved_is_allowed() =>
        Assert.Null(DelegationRules.Check(Between("alice", "bob", 0, 7), delegateIsEnabledUser: true, []));

    [Fact]
    public void Nobody_delegates_to_themselves() =>
        Assert.Equal(ErrorCodes.DelegationToSelf, DelegationRules.Check(Between("alice", "alice", 0, 7), true, [])?.Code);

    [Fact]
    public void The_delegate_must_be_an_enabled_user()
    {
        var error = DelegationRules.Check(Between("alice", "ghost", 0, 7), delegateIsEnabledUser: false, []);

        Assert.Equal((ErrorKind.Unprocessable, ErrorCodes.DelegationUnknownUser), (error?.Kind, error?.Code));
    }

    [Fact]
    public void A_delegate_who_delegated_onward_for_part_of_the_period_is_refused_as_a_chain()
    {
        var existing = new[] { Between("bob", "carol", 5, 10) };

        Assert.Equal(ErrorCodes.DelegationChain, DelegationRules.Check(Between("alice", "bob", 0, 7), true, existing)?.Code);
    }

    [Fact]
    public void Delegating_what_someone_delegated_to_you_is_refused_as_a_chain()
    {
        var existing = new[] { Between("alice", "bob", 0, 7) };

        Assert.Equal(ErrorCodes.DelegationChain, DelegationRules.Check(Between("bob", "carol", 6, 20), true, existing)?.Code);
    }

    [Fact]
    public void Delegating_back_to_whoever_delegated_to_you_is_refused_as_a_cycle()
    {
        var existing = new[] { Between("bob", "alice", 3, 4) };

        var error = DelegationRules.Check(Between("alice", "bob", 0, 7), true, existing);

        Assert.Equal((ErrorKind.Unprocessable, ErrorCodes.DelegationCycle), (error?.Kind, error?.Code));
    }

    [Fact]
    public void Periods_that_only_touch_do_not_overlap_so_consecutive_stand_ins_are_fine()
    {
        // Bob stands in for alice for a week; from the day it ends he is away himself and carol stands in for him.
        var existing = new[] { Between("alice", "bob", 0, 7) };

        Assert.Null(DelegationRules.Check(Between("bob", "carol", 7, 14), true, existing));
        Assert.Null(DelegationRules.Check(Between("carol", "alice", 7, 14), true, existing));
    }

    [Fact]
    public void Several_people_may_delegate_to_one_delegate()
    {
        var existing = new[] { Between("alice", "bob", 0, 7), Between("dave", "bob", 0, 30) };

        Assert.Null(DelegationRules.Check(Between("carol", "bob", 2, 9), true, existing));
    }

    [Fact]
    public void The_delegators_own_delegation_is_replaced_so_it_does_not_count_against_the_new_one()
    {
        var existing = new[] { Between("alice", "bob", 0, 7) };

        Assert.Null(DelegationRules.Check(Between("alice", "carol", 0, 7), true, existing));
    }

    [Fact]
    public void Unrelated_delegations_are_ignored()
    {
        var existing = new[] { Between("dave", "erin", 0, 30), Between("erin", "frank", 40, 50) };

        Assert.Null(DelegationRules.Check(Between("alice", "bob", 0, 7), true, existing));
    }

    [Fact]
    public void A_period_starts_now_when_from_is_missing_or_in_the_past()
    {
        var errors = new FieldErrors();

        Assert.Equal((Now, Now.AddDays(1)), DelegationRules.Period(null, Now.AddDays(1), Now, errors));
        Assert.Equal((Now, Now.AddDays(1)), DelegationRules.Period(Now.AddDays(-3), Now.AddDays(1), Now, errors));
        Assert.Equal((Now.AddDays(2), Now.AddDays(3)), DelegationRules.Period(Now.AddDays(2), Now.AddDays(3), Now, errors));
        Assert.True(errors.IsEmpty);
    }

    [Fact]
    public void A_period_keeps_microseconds_as_they_are_stored()
    {
        var period = DelegationRules.Period(Now.AddTicks(1234567), Now.AddDays(1).AddTicks(7), Now, new FieldErrors());

        Assert.Equal((Now.AddTicks(1234560), Now.AddDays(1)), period);
    }

    public static TheoryData<int?, int?> BadPeriods => new()
    {
        { null, null },
        { 0, 0 },
        { 3, 2 },
        { null, -1 },
        { null, 367 },
        { 300, 400 },
    };

    [Theory]
    [MemberData(nameof(BadPeriods))]
    public void Until_is_required_after_from_and_within_a_year(int? fromDay, int? untilDay)
    {
        var errors = new FieldErrors();

        var period = DelegationRules.Period(
            fromDay is { } f ? Now.AddDays(f) : null, untilDay is { } u ? Now.AddDays(u) : null, Now, errors);

        Assert.Null(period);
        Assert.Equal(["until"], errors.ToError()!.FieldErrors!.Keys);
    }

    [Fact]
    public void A_period_may_end_exactly_a_year_and_a_day_ahead() =>
        Assert.NotNull(DelegationRules.Period(null, Now + DelegationRules.MaxAhead, Now, new FieldErrors()));

    [Fact]
    public void Active_means_from_inclusive_until_exclusive()
    {
        var delegation = Between("alice", "bob", 1, 2);

        Assert.Equal([false, true, true, false],
            new[] { Now.AddDays(1).AddTicks(-10), Now.AddDays(1), Now.AddDays(2).AddTicks(-10), Now.AddDays(2) }.Select(delegation.IsActiveAt));
    }
}
