using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Security;

namespace Approvals.Api.Tests.Web;

/// <summary>Arranging approvals for the web tests through the API, as the people involved (real tokens).</summary>
public static class WebApprovals
{
    /// <summary>Creates an approval as <paramref name="creator"/> with <paramref name="policy"/>'s fields (approvers, policy, stages) merged in.</summary>
    public static async Task<Guid> CreateAsync(SecurityApiFactory factory, HttpClient creator, string title, int serviceRule, object? policy = null)
    {
        var body = new JsonObject
        {
            ["title"] = title,
            ["description"] = "Two laptops for the new designers.\nDelivery before the 15th.",
            ["deadline"] = factory.Clock.GetUtcNow().AddDays(2).AddHours(3),
            ["comment"] = "Budget line 4.2",
            ["serviceRules"] = new JsonArray(serviceRule),
        };
        if (policy is not null)
        {
            foreach (var (key, value) in System.Text.Json.JsonSerializer.SerializeToNode(policy)!.AsObject())
            {
                body[key] = value?.DeepClone();
            }
        }

        var response = await creator.PostAsJsonAsync("/api/v1/approvals", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
    }

    public static async Task<JsonObject> GetAsync(HttpClient reader, Guid id) =>
        (await reader.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{id}"))!;

    public static async Task VoteAsync(HttpClient voter, Guid id, string vote, string? comment = null)
    {
        var response = await voter.PostAsJsonAsync($"/api/v1/approvals/{id}/votes", new { vote, comment });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
