using Approvals.Api.Auth;
using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// What a signed-in person does about themselves (<c>/api/v1/users/me</c>): read who they are, change their password,
/// and set, read or end their delegation. The caller is the person behind the token; their row exists, since
/// <see cref="PersonResolver"/> refused the token otherwise.
/// </summary>
public sealed class MyAccount(PeopleStore store, UserAccounts accounts, UnitOfWork unit, TimeProvider clock)
{
    public async Task<Result<MeResponse>> GetAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (await FindAsync(caller, cancellationToken) is not { } me)
        {
            return Gone();
        }

        var now = clock.GetUtcNow();
        var delegation = await store.DelegationOfAsync(me.Id, now, cancellationToken);
        var delegators = await store.DelegationsToAsync(me.Id, now, cancellationToken);
        return new MeResponse(me.Id, me.Username, caller.Actor, [.. caller.Roles.Order(StringComparer.Ordinal)], [.. caller.Groups.Order(StringComparer.Ordinal)],
            me.PasswordChangeRequired,
            delegation is null ? null : new DelegationResponse(delegation.Username, delegation.From, delegation.Until, IsActive(delegation, now)),
            [.. delegators.Select(d => new DelegatorResponse(d.Username, d.From, d.Until, IsActive(d, now)))]);
    }

    /// <summary>Null when changed. Tokens issued for a one-time password stay limited: the person signs in again.</summary>
    public async Task<DomainError?> ChangePasswordAsync(Caller caller, string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(currentPassword) || currentPassword.Length > PasswordRules.MaxLength)
        {
            errors.Add("currentPassword", $"Required, at most {PasswordRules.MaxLength} characters.");
        }

        if (PasswordRules.Check(newPassword) is { } weak)
        {
            errors.Add("newPassword", weak);
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        if (await FindAsync(caller, cancellationToken) is not { } me)
        {
            return Gone();
        }

        return await accounts.ChangePasswordAsync(me.Id, currentPassword!, newPassword!, cancellationToken);
    }

    public async Task<Result<DelegationResponse>> GetDelegationAsync(Caller caller, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return await FindAsync(caller, cancellationToken) is { } me && await store.DelegationOfAsync(me.Id, now, cancellationToken) is { } delegation
            ? new DelegationResponse(delegation.Username, delegation.From, delegation.Until, IsActive(delegation, now))
            : NoDelegation();
    }

    /// <summary>
    /// Sets the caller's delegation, replacing any they had, under <see cref="DelegationRules"/>. The rules are judged
    /// on the delegations read under a lock that every delegation write takes, in the request's unit of work, so two
    /// requests cannot each make half of a chain.
    /// </summary>
    public async Task<Result<DelegationResponse>> SetDelegationAsync(
        Caller caller, string? to, DateTimeOffset? from, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(to) || to.Length > Persistence.Data.User.MaxUsernameLength || to.Any(char.IsControl))
        {
            errors.Add("to", "Required: the username of the person who acts for you.");
        }

        var period = DelegationRules.Period(from, until, now, errors);
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        if (await FindAsync(caller, cancellationToken) is not { } me)
        {
            return Gone();
        }

        var (start, end) = period!.Value;
        var proposed = new Delegation(me.Username, to!, start, end);
        var target = (await store.UserIdsAsync([to!], cancellationToken)).GetValueOrDefault(to!);
        var delegateIsEnabledUser = target.Id != Guid.Empty && !target.Disabled;
        var involved = delegateIsEnabledUser && me.Id != target.Id
            ? await PeopleStore.LockDelegationsInvolvingAsync(unit, me.Id, target.Id, cancellationToken)
            : [];
        if (DelegationRules.Check(proposed, delegateIsEnabledUser, involved) is { } refused)
        {
            return refused;
        }

        await PeopleStore.SaveDelegationAsync(unit, new Persistence.Data.DelegationRecord
        {
            DelegatorId = me.Id,
            DelegateId = target.Id,
            StartsAt = start,
            EndsAt = end,
            CreatedAt = now,
        }, cancellationToken);
        return new DelegationResponse(to!, start, end, proposed.IsActiveAt(now));
    }

    /// <summary>Ends the caller's delegation at once; ending none is not an error.</summary>
    public async Task<DomainError?> EndDelegationAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (await FindAsync(caller, cancellationToken) is not { } me)
        {
            return Gone();
        }

        await store.DeleteDelegationAsync(me.Id, cancellationToken);
        return null;
    }

    private async Task<UserRow?> FindAsync(Caller caller, CancellationToken cancellationToken) =>
        caller.IsPerson ? await store.FindBySubjectAsync(caller.Actor[Caller.UserPrefix.Length..], cancellationToken) : null;

    private static bool IsActive(DelegationRow row, DateTimeOffset now) => row.From <= now && now < row.Until;

    /// <summary>The person was removed between their token's check and now: nothing to act on.</summary>
    private static DomainError Gone() => new(ErrorCodes.UserNotFound, "The signed-in user no longer exists.");

    private static DomainError NoDelegation() =>
        new(ErrorCodes.DelegationNotFound, "You have no delegation (or it has ended).");
}
