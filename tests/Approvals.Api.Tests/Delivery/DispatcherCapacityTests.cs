using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Delivery;

/// <summary>
/// A dispatcher with one slot. The fixture's clock never moves here, so neither the sweep nor a due-time timer can
/// wake the dispatcher: only a commit's notification and a finishing job can.
/// </summary>
public sealed class SingleSlotDeliveryFixture : DeliveryFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [.. base.ExtraSettings, new("Delivery:MaxConcurrency", "1")];
}

public class DispatcherCapacityTests(SingleSlotDeliveryFixture fixture) : DeliveryTestBase<SingleSlotDeliveryFixture>(fixture)
{
    [Fact]
    public async Task Decisions_that_wait_for_the_only_slot_go_out_as_it_frees()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await CreateApprovalForAsync(rule));
        }

        // Decided together, so their notifications arrive while the first delivery holds the slot.
        await Task.WhenAll(ids.Select(id => DecideAsync(id, "approve")));

        foreach (var id in ids)
        {
            await WaitForStatusAsync(id, "APPROVED");
        }

        await using var db = Factory.CreateDbContext();
        var attempts = await db.DeliveryJobs.Where(j => ids.Contains(j.ApprovalId)).Select(j => j.Attempts).ToListAsync();
        Assert.Equal(Enumerable.Repeat(1, ids.Count), attempts);
    }
}
