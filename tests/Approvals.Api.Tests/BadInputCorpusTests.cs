using System.Net.Http.Json;
using System.Text.Json;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;

namespace Approvals.Api.Tests;

/// <summary>
/// Hundreds of bad requests against every route: each must get its 4xx ProblemDetails with a stable code, never a
/// 5xx, and must leave every table exactly as it was. The service runs as deployed, with webhooks to private networks
/// refused.
/// </summary>
public class BadInputCorpusTests(PrivateNetworksRefusedApiFactory factory) : ApiTestBase<PrivateNetworksRefusedApiFactory>(factory)
{
    [Fact]
    public async Task Every_route_answers_every_bad_request_with_its_problem_and_changes_nothing()
    {
        var usedRuleName = "corpus-used";
        var usedRule = await ServiceRuleAsync(usedRuleName);
        var unusedRule = await ServiceRuleAsync("corpus-unused");
        var disabledRule = await ServiceRuleAsync("corpus-disabled", enabled: false);
        var pending = await CreateApprovalAsync("Corpus target", usedRule);
        const string user = "corpus-user", group = "corpus-group";
        await AssertStatusAsync(await Client.PostAsJsonAsync("/api/v1/users", new { username = user, roles = new[] { "approver" } }), System.Net.HttpStatusCode.Created);
        await AssertStatusAsync(await Client.PostAsJsonAsync("/api/v1/groups", new { name = group, members = new[] { user } }), System.Net.HttpStatusCode.Created);
        var corpus = BadRequestCorpus.Build(new CorpusTargets(
            (string)pending["id"]!, usedRule, usedRuleName, unusedRule, disabledRule, Factory.Clock.GetUtcNow(), user, group));

        Assert.True(corpus.Count >= 200, $"The corpus has only {corpus.Count} requests.");
        Assert.Equal(corpus.Count, corpus.Select(c => (c.Route, c.Name, c.Path)).Distinct().Count());

        var failures = new List<string>();
        foreach (var route in corpus.GroupBy(c => c.Route))
        {
            // One snapshot per route keeps a thousand requests fast; the difference shows which row changed.
            var before = await SnapshotAsync();
            foreach (var bad in route)
            {
                using var request = bad.ToRequest(ApprovalsApiFactory.ApiKey);
                using var response = await Anonymous.SendAsync(request);
                if (await CheckAsync(bad, response) is { } failure)
                {
                    failures.Add(failure);
                }
            }

            if (before.Difference(await SnapshotAsync()) is { } difference)
            {
                failures.Add($"A bad request to {route.Key} changed the database: {difference}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} bad requests got the wrong answer:\n{string.Join('\n', failures)}");
    }

    private static async Task<string?> CheckAsync(BadRequest bad, HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var excerpt = body.Length > 300 ? body[..300] : body;
        if ((int)response.StatusCode != bad.Status)
        {
            return $"{bad}: expected {bad.Status} {bad.Code}, got {(int)response.StatusCode} {excerpt}";
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"{bad}: expected application/problem+json, got '{response.Content.Headers.ContentType}' {excerpt}";
        }

        using var problem = JsonDocument.Parse(body);
        var code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        var status = problem.RootElement.TryGetProperty("status", out var s) ? s.GetInt32() : 0;
        if (code != bad.Code || status != bad.Status)
        {
            return $"{bad}: expected code {bad.Code}, got {code} (status {status}) {excerpt}";
        }

        if (!problem.RootElement.TryGetProperty("detail", out var detail) || string.IsNullOrWhiteSpace(detail.GetString()))
        {
            return $"{bad}: the problem has no detail {excerpt}";
        }

        var fields = problem.RootElement.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal).ToList() : [];
        return bad.Fields is null || fields.SequenceEqual(bad.Fields.Order(StringComparer.Ordinal))
            ? null
            : $"{bad}: expected errors naming {string.Join(", ", bad.Fields)}, got {string.Join(", ", fields)} {excerpt}";
    }
}
