using System.Net;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests;

/// <summary><c>GET /api/v1/approvals</c>: filters, sorts and keyset pagination that is stable under concurrent inserts.</summary>
public class ApprovalListTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    public static TheoryData<string> Sorts => ["deadline", "-deadline", "createdAt", "-createdAt"];

    [Fact]
    public async Task Status_filter_takes_names_comma_separated_and_refuses_the_original_numbers()
    {
        var rule = await ServiceRuleAsync();
        var pending = await CreateIdAsync(rule, 1);
        var approved = await CreateIdAsync(rule, 2);
        var failed = await CreateIdAsync(rule, 3);
        await AssertStatusAsync(await DecideAsync(approved, "approve"), HttpStatusCode.Accepted);
        await SetStatusAsync(failed, ApprovalStatus.Error);

        Assert.Equal([pending], await IdsAsync($"status=PENDING&serviceRule={rule}"));
        Assert.Equal([approved], await IdsAsync($"status=acknowledged_approved&serviceRule={rule}"));
        Assert.Equal([pending, failed], await IdsAsync($"status=PENDING,ERROR&serviceRule={rule}"));

        // The original routes' numbers are refused, naming the status meant (a filter ignored would list everything).
        var numeric = await AssertProblemAsync(await Client.GetAsync($"/api/v1/approvals?status=PENDING,1&serviceRule={rule}"), 400, ErrorCodes.ValidationFailed);
        Assert.Equal(["1 is a status number of the original API; API v1 names statuses: ERROR."], numeric["errors"]!["status"]!.AsArray().Select(m => (string?)m));
        Assert.Equal([pending, approved, failed], await IdsAsync($"serviceRule={rule}"));
    }

    [Fact]
    public async Task Service_rule_filter_matches_any_of_an_approvals_rules()
    {
        var (first, second, other) = (await ServiceRuleAsync(), await ServiceRuleAsync(), await ServiceRuleAsync());
        var both = await CreateApprovalIdAsync("Both", FutureDeadline, first, second);
        var secondOnly = await CreateApprovalIdAsync("Second", FutureDeadline.AddHours(1), second);
        await CreateApprovalAsync("Other", FutureDeadline, other);

        Assert.Equal([both], await IdsAsync($"serviceRule={first}"));
        Assert.Equal([both, secondOnly], await IdsAsync($"serviceRule={second}"));
        Assert.Empty(await IdsAsync("serviceRule=999999"));
    }

    [Fact]
    public async Task Overdue_means_past_the_deadline_and_still_open()
    {
        var rule = await ServiceRuleAsync();
        var now = Factory.Clock.GetUtcNow();
        var late = await CreateApprovalIdAsync("Late", now.AddMinutes(1), rule);
        var lateButDecided = await CreateApprovalIdAsync("Decided", now.AddMinutes(2), rule);
        var lateInError = await CreateApprovalIdAsync("Error", now.AddMinutes(3), rule);
        var onTime = await CreateApprovalIdAsync("On time", now.AddDays(30), rule);
        await AssertStatusAsync(await DecideAsync(lateButDecided, "reject"), HttpStatusCode.Accepted);
        await SetStatusAsync(lateInError, ApprovalStatus.Error);

        Factory.Clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal([late, lateInError], await IdsAsync($"overdue=true&serviceRule={rule}"));
        Assert.Equal([lateButDecided, onTime], await IdsAsync($"overdue=false&serviceRule={rule}"));
    }

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Every_sort_orders_by_its_key_then_id_and_pages_cover_the_list_exactly_once(string sort)
    {
        var rule = await ServiceRuleAsync();
        for (var i = 0; i < 12; i++)
        {
            // Deadlines repeat so the id breaks ties; creation times advance.
            await CreateApprovalAsync($"Sorted {i}", Factory.Clock.GetUtcNow().AddDays(1 + (i * 7 % 5)), rule);
            Factory.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var all = await ListAsync($"serviceRule={rule}&sort={sort}&limit=200");
        Assert.Null((string?)all["nextCursor"]);
        var items = Items(all);
        Assert.Equal(12, items.Count);
        var key = sort.TrimStart('-');
        var expected = sort.StartsWith('-')
            ? items.OrderByDescending(i => i[key]!.GetValue<DateTimeOffset>()).ThenByDescending(i => Guid.Parse((string)i["id"]!).ToString())
            : items.OrderBy(i => i[key]!.GetValue<DateTimeOffset>()).ThenBy(i => Guid.Parse((string)i["id"]!).ToString());
        Assert.Equal(expected.Select(i => (string)i["id"]!), items.Select(i => (string)i["id"]!));

        Assert.Equal(items.Select(i => (string)i["id"]!), await WalkAsync($"serviceRule={rule}&sort={sort}", pageSize: 5));
    }

    [Fact]
    public async Task Limit_defaults_to_50_allows_200_and_refuses_more()
    {
        var rule = await ServiceRuleAsync();
        for (var i = 0; i < 51; i++)
        {
            await CreateApprovalAsync($"Many {i}", FutureDeadline, rule);
        }

        var firstPage = await ListAsync($"serviceRule={rule}");
        Assert.Equal(50, Items(firstPage).Count);
        var rest = await ListAsync($"serviceRule={rule}&cursor={firstPage["nextCursor"]}");
        Assert.Single(Items(rest));
        Assert.Null((string?)rest["nextCursor"]);

        Assert.Equal(51, Items(await ListAsync($"serviceRule={rule}&limit=200")).Count);
        await AssertFieldErrorsAsync(await Client.GetAsync("/api/v1/approvals?limit=201"), "limit");
        await AssertFieldErrorsAsync(await Client.GetAsync("/api/v1/approvals?limit=0"), "limit");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("MTIz")]
    public async Task Cursor_not_issued_by_the_api_is_a_400(string cursor)
    {
        await AssertFieldErrorsAsync(await Client.GetAsync($"/api/v1/approvals?cursor={cursor}"), "cursor");
    }

    [Fact]
    public async Task Cursor_of_one_sort_is_refused_by_another()
    {
        var rule = await ServiceRuleAsync();
        await CreateIdAsync(rule, 1);
        await CreateIdAsync(rule, 2);
        var cursor = (string)(await ListAsync($"serviceRule={rule}&sort=deadline&limit=1"))["nextCursor"]!;

        await AssertFieldErrorsAsync(await Client.GetAsync($"/api/v1/approvals?serviceRule={rule}&sort=-createdAt&limit=1&cursor={cursor}"), "cursor");
    }

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Walking_pages_while_others_insert_never_skips_or_repeats_an_existing_item(string sort)
    {
        var rule = await ServiceRuleAsync();
        for (var i = 0; i < 20; i++)
        {
            await CreateApprovalAsync($"Existing {i}", Factory.Clock.GetUtcNow().AddHours(1 + (i * 13 % 20)), rule);
        }

        var existing = Items(await ListAsync($"serviceRule={rule}&limit=200")).Select(i => (string)i["id"]!).ToHashSet();
        using var walking = new CancellationTokenSource();
        var inserter = Task.Run(async () =>
        {
            // New approvals land before, between and after the existing ones in every order.
            for (var i = 0; i < 60 && !walking.IsCancellationRequested; i++)
            {
                await CreateApprovalAsync($"Inserted {i}", Factory.Clock.GetUtcNow().AddMinutes(30 + (i * 37 % 1300)), rule);
            }
        });

        var walked = await WalkAsync($"serviceRule={rule}&sort={sort}", pageSize: 3);
        await walking.CancelAsync();
        await inserter;

        Assert.Equal(walked.Count, walked.Distinct().Count());
        Assert.Superset(existing, walked.ToHashSet());
    }

    private async Task<string> CreateIdAsync(int rule, int days) =>
        await CreateApprovalIdAsync($"Approval {days}", Factory.Clock.GetUtcNow().AddDays(days), rule);

    private async Task<JsonObject> ListAsync(string query)
    {
        var response = await Client.GetAsync($"/api/v1/approvals?{query}");
        await AssertStatusAsync(response, HttpStatusCode.OK);
        var page = await ReadObjectAsync(response);
        Assert.Equal(["items", "nextCursor"], page.Select(p => p.Key));
        return page;
    }

    private async Task<List<string>> IdsAsync(string query) => [.. Items(await ListAsync(query)).Select(i => (string)i["id"]!)];

    /// <summary>Follows nextCursor to the end and returns every id in the order seen.</summary>
    private async Task<List<string>> WalkAsync(string query, int pageSize)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await ListAsync($"{query}&limit={pageSize}" + (cursor is null ? "" : $"&cursor={cursor}"));
            var items = Items(page);
            Assert.InRange(items.Count, 1, pageSize);
            ids.AddRange(items.Select(i => (string)i["id"]!));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);

        return ids;
    }

    private static List<JsonObject> Items(JsonObject page) => [.. page["items"]!.AsArray().Select(i => i!.AsObject())];
}
