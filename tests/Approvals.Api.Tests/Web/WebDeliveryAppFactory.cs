using Approvals.Api.Persistence.Data;
using UserServiceServer = Approvals.Testing.UserServiceServer;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// The web pages with the dispatcher on and a real UserService as the downstream that accepts decisions (as the
/// delivery tests run it, <see cref="Delivery.DeliveryFixture"/>), both on the test's fake clock: a retry waits until
/// the test moves the clock, so a page can be watched while a delivery is still under way.
/// </summary>
public sealed class WebDeliveryAppFactory : WebAppFactory
{
    public UserServiceServer UserService { get; private set; } = null!;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        .. base.ExtraSettings,
        new("Delivery:Enabled", "true"),
        new("Delivery:OwnerId", "web-dispatcher"),
        new("Delivery:SweepInterval", "00:00:01"),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        UserService = await UserServiceServer.StartAsync(Clock);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (UserService is not null)
        {
            await UserService.DisposeAsync();
        }
    }

    /// <summary>A service rule delivering to the UserService; its second attempt is due a minute after the first.</summary>
    public async Task<int> AddUserServiceRuleAsync(string name)
    {
        await using var db = CreateDbContext();
        var rule = new ServiceRule
        {
            Name = name,
            Url = UserService.ApprovalUrl,
            ApiKey = UserServiceServer.ApiKey,
            SigningSecret = UserServiceServer.SigningSecret,
            RetrySchedule = [0, 60, 60],
            CreatedAt = Clock.GetUtcNow(),
        };
        db.ServiceRules.Add(rule);
        await db.SaveChangesAsync();
        return rule.Id;
    }
}
