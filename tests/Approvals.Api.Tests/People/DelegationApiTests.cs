using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Tests.Security;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.People;

/// <summary><c>/api/v1/users/me/delegation</c>, its rules through HTTP, and what <see cref="PeopleDirectory"/> makes of it.</summary>
public class DelegationApiTests(SecurityApiFactory factory) : PeopleTestBase(factory)
{
    [Fact]
    public async Task A_delegation_is_set_read_replaced_and_ended_and_both_people_see_it()
    {
        var (ann, ben, cid) = (NewName("ann"), NewName("ben"), NewName("cid"));
        using var annClient = await PersonAsync(ann, Roles.Approver);
        using var benClient = await PersonAsync(ben, Roles.Approver);
        await Factory.UserAsync(cid, Roles.Approver);
        var now = Factory.Clock.GetUtcNow();
        var until = now.AddDays(7);

        var set = await annClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = ben, until });

        await AssertStatusAsync(set, HttpStatusCode.OK);
        var delegation = await ReadObjectAsync(set);
        Assert.Equal((ben, true), ((string?)delegation["to"], (bool)delegation["active"]!));
        Assert.Equal(Timestamps.ToStoredPrecision(now), (DateTimeOffset)delegation["from"]!);
        Assert.Equal(Timestamps.ToStoredPrecision(until), (DateTimeOffset)delegation["until"]!);
        Assert.Equal(delegation.ToJsonString(), (await GetObjectAsync(annClient, "/api/v1/users/me/delegation")).ToJsonString());
        Assert.Equal(delegation.ToJsonString(), (await GetObjectAsync(annClient, "/api/v1/users/me"))["delegation"]!.ToJsonString());
        var delegators = (await GetObjectAsync(benClient, "/api/v1/users/me"))["delegators"]!.AsArray();
        Assert.Equal([ann], delegators.Select(d => (string)d!["username"]!));

        var later = await annClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = cid, from = now.AddDays(2), until });
        await AssertStatusAsync(later, HttpStatusCode.OK);
        Assert.False((bool)(await ReadObjectAsync(later))["active"]!);
        Assert.Empty((await GetObjectAsync(benClient, "/api/v1/users/me"))["delegators"]!.AsArray());

        await AssertStatusAsync(await annClient.DeleteAsync("/api/v1/users/me/delegation"), HttpStatusCode.NoContent);
        await AssertProblemAsync(await annClient.GetAsync("/api/v1/users/me/delegation"), 404, ErrorCodes.DelegationNotFound);
        await AssertStatusAsync(await annClient.DeleteAsync("/api/v1/users/me/delegation"), HttpStatusCode.NoContent);
        var annId = (await Factory.UserAsync(ann)).Id;
        await using var db = Factory.CreateDbContext();
        Assert.False(await db.Delegations.AnyAsync(d => d.DelegatorId == annId));
    }

    [Fact]
    public async Task An_ended_delegation_is_no_longer_shown()
    {
        var (ann, ben) = (NewName("ann"), NewName("ben"));
        using var annClient = await PersonAsync(ann, Roles.Approver);
        await Factory.UserAsync(ben, Roles.Approver);
        await AssertStatusAsync(await annClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = ben, until = Factory.Clock.GetUtcNow().AddMinutes(5) }), HttpStatusCode.OK);

        Factory.Clock.Advance(TimeSpan.FromMinutes(5));

        await AssertProblemAsync(await annClient.GetAsync("/api/v1/users/me/delegation"), 404, ErrorCodes.DelegationNotFound);
        Assert.Null((await GetObjectAsync(annClient, "/api/v1/users/me"))["delegation"]);
    }

    [Fact]
    public async Task Delegations_to_oneself_to_nobody_to_the_disabled_in_chains_or_cycles_are_refused_and_change_nothing()
    {
        var (ann, ben, cid, dot, off) = (NewName("ann"), NewName("ben"), NewName("cid"), NewName("dot"), NewName("off"));
        using var annClient = await PersonAsync(ann, Roles.Approver);
        using var benClient = await PersonAsync(ben, Roles.Approver);
        using var cidClient = await PersonAsync(cid, Roles.Approver);
        await Factory.UserAsync(dot, Roles.Approver);
        await Factory.UserAsync(off, Roles.Approver);
        await AssertStatusAsync(await Client.PatchAsJsonAsync($"/api/v1/users/{off}", new { disabled = true }), HttpStatusCode.OK);
        var until = Factory.Clock.GetUtcNow().AddDays(7);
        Task<HttpResponseMessage> Delegate(HttpClient client, string to) => client.PutAsJsonAsync("/api/v1/users/me/delegation", new { to, until });

        await AssertRefusedAsync(() => Delegate(annClient, ann), 422, ErrorCodes.DelegationToSelf);
        await AssertRefusedAsync(() => Delegate(annClient, "nobody-by-that-name"), 422, ErrorCodes.DelegationUnknownUser);
        await AssertRefusedAsync(() => Delegate(annClient, off), 422, ErrorCodes.DelegationUnknownUser);

        // With ben → cid: ann → ben would pass on through ben, cid → dot would pass on what ben gave cid, cid → ben is a cycle.
        await AssertStatusAsync(await Delegate(benClient, cid), HttpStatusCode.OK);
        await AssertRefusedAsync(() => Delegate(annClient, ben), 422, ErrorCodes.DelegationChain);
        await AssertRefusedAsync(() => Delegate(cidClient, dot), 422, ErrorCodes.DelegationChain);
        await AssertRefusedAsync(() => Delegate(cidClient, ben), 422, ErrorCodes.DelegationCycle);

        // Once ben's delegation ends early, both are fine.
        await AssertStatusAsync(await benClient.DeleteAsync("/api/v1/users/me/delegation"), HttpStatusCode.NoContent);
        await AssertStatusAsync(await Delegate(annClient, ben), HttpStatusCode.OK);
        await AssertStatusAsync(await Delegate(cidClient, dot), HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"until":"2099-01-01T00:00:00Z"}""", "to")]
    [InlineData("""{"to":"","until":"2099-01-01T00:00:00Z"}""", "to")]
    [InlineData("""{"to":"someone"}""", "until")]
    [InlineData("""{"to":"someone","until":"2000-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"to":"someone","from":"2098-01-01T00:00:00Z","until":"2097-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"to":"someone","until":"2099-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"to":"someone","until":"tomorrow"}""", "until")]
    [InlineData("""{"to":"someone","until":"2099-01-01T00:00:00Z","reason":"holiday"}""", "reason")]
    public async Task Invalid_delegations_are_refused_with_400(string body, string field)
    {
        using var person = await PersonAsync(NewName("inv"), Roles.Approver);

        var problem = await AssertRefusedAsync(() => person.PutAsync("/api/v1/users/me/delegation", Json(body)), 400, ErrorCodes.ValidationFailed);

        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Two_people_delegating_towards_each_others_delegates_at_once_never_make_a_chain()
    {
        for (var round = 0; round < 8; round++)
        {
            var (a, b, c) = (NewName("a"), NewName("b"), NewName("c"));
            using var aClient = await PersonAsync(a, Roles.Approver);
            using var bClient = await PersonAsync(b, Roles.Approver);
            await Factory.UserAsync(c, Roles.Approver);
            var until = Factory.Clock.GetUtcNow().AddDays(1);

            var results = await Task.WhenAll(
                aClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = b, until }),
                bClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = c, until }));

            Assert.Equal([200, 422], results.Select(r => (int)r.StatusCode).Order());
            await using var db = Factory.CreateDbContext();
            var ids = new[] { (await Factory.UserAsync(a)).Id, (await Factory.UserAsync(b)).Id };
            Assert.Equal(1, await db.Delegations.CountAsync(d => ids.Contains(d.DelegatorId)));
        }
    }

    [Fact]
    public async Task The_directory_names_the_active_delegators_of_a_caller_with_their_roles_and_groups()
    {
        var (ann, ben, cid, dot) = (NewName("ann"), NewName("ben"), NewName("cid"), NewName("dot"));
        using var annClient = await PersonAsync(ann, Roles.Approver, Roles.Requester);
        using var cidClient = await PersonAsync(cid, Roles.Approver);
        using var dotClient = await PersonAsync(dot, Roles.Approver);
        var benUser = await Factory.UserAsync(ben, Roles.Approver);
        var group = NewName("fin");
        await CreateGroupAsync(group, ann);
        var now = Factory.Clock.GetUtcNow();
        await AssertStatusAsync(await annClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = ben, until = now.AddDays(2) }), HttpStatusCode.OK);
        await AssertStatusAsync(await cidClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = ben, from = now.AddDays(1), until = now.AddDays(3) }), HttpStatusCode.OK);
        await AssertStatusAsync(await dotClient.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = ben, until = now.AddDays(2) }), HttpStatusCode.OK);
        await AssertStatusAsync(await Client.PatchAsJsonAsync($"/api/v1/users/{dot}", new { disabled = true }), HttpStatusCode.OK);

        var today = await ActiveDelegatorsAsync(benUser.Actor, now);
        var tomorrow = await ActiveDelegatorsAsync(benUser.Actor, now.AddDays(1).AddHours(1));
        var later = await ActiveDelegatorsAsync(benUser.Actor, now.AddDays(3));

        var delegator = Assert.Single(today);
        var annUser = await Factory.UserAsync(ann);
        Assert.Equal((annUser.Actor, ann), (delegator.Actor, delegator.Username));
        Assert.Equal([Roles.Approver, Roles.Requester], delegator.Roles.Order(StringComparer.Ordinal));
        Assert.Equal([group], delegator.Groups);
        Assert.Equal([ann, cid], tomorrow.Select(d => d.Username).Order(StringComparer.Ordinal));
        Assert.Empty(later);
        Assert.Empty(await ActiveDelegatorsAsync(annUser.Actor, now));
        Assert.Empty(await ActiveDelegatorsAsync("client:test", now));
    }

    private async Task<IReadOnlyList<VotingPerson>> ActiveDelegatorsAsync(string actor, DateTimeOffset now)
    {
        using var scope = Factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<PeopleDirectory>().ActiveDelegatorsAsync(actor, now);
    }
}
