using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Approvals.Bench;

/// <summary>
/// The people of the vote scenario and the approvals that name them, made through the API as an admin and the people
/// themselves would make them (a few seconds, before the warm-up; the many approvals that take the votes are cloned
/// from these in SQL, <see cref="VotePool"/>):
/// <list type="bullet">
/// <item><see cref="VoterCount"/> local users <c>bench-voter-NN</c> with the approver role, created with the benchmark's
/// key (it has every scope, admin included) through <c>POST /api/v1/users</c>, or given a new one-time password
/// through <c>…/password-reset</c> when an earlier run on the same database created them. Each signs in with the
/// one-time password, chooses a password (<c>POST /api/v1/users/me/password</c>: a token issued for a one-time password
/// allows nothing else) and signs in again. So the votes carry real tokens from <c>POST /api/v1/auth/token</c> through
/// the real bearer pipeline, and the people are made by the service's own rules. Writing the users' rows directly
/// would save a few seconds but copy the service's password-hash format into the tool.</item>
/// <item>One template approval per voter, created with <c>POST /api/v1/approvals</c> by the key: voter <c>n</c> and the
/// next two (<see cref="SeatsPerApproval"/> users) as approvers with policy <c>all</c>, so one vote leaves it PENDING
/// with its stage open.</item>
/// </list>
/// </summary>
internal static class VotePeople
{
    /// <summary>People who vote; a voter's person is looked up once per <c>Auth:UserCacheSeconds</c>, not per vote.</summary>
    public const int VoterCount = 32;

    /// <summary>The users each approval names (policy <c>all</c>): one of them votes, the approval stays PENDING.</summary>
    public const int SeatsPerApproval = 3;

    public static string Username(int voter) => string.Create(CultureInfo.InvariantCulture, $"bench-voter-{voter:00}");

    /// <summary>A full token for each voter, voter 0 first.</summary>
    public static async Task<string[]> SignInAsync(HttpClient http, string apiKey, CancellationToken cancellationToken)
    {
        var tokens = new string[VoterCount];
        // Each sign-in hashes or verifies a password (PBKDF2) four times: a few at once keep both cores busy.
        await Parallel.ForEachAsync(Enumerable.Range(0, VoterCount), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (voter, token) => tokens[voter] = await SignInAsync(http, apiKey, Username(voter), token));
        return tokens;
    }

    /// <summary>The template approvals, one per voter: template n names voters n, n + 1 and n + 2 (modulo the count).</summary>
    public static async Task<Guid[]> CreateTemplatesAsync(HttpClient http, string apiKey, CancellationToken cancellationToken)
    {
        var templates = new Guid[VoterCount];
        for (var voter = 0; voter < VoterCount; voter++)
        {
            var approvers = Enumerable.Range(voter, SeatsPerApproval).Select(n => new { user = Username(n % VoterCount) }).ToArray();
            var created = await SendAsync(http, HttpMethod.Post, "/api/v1/approvals", new
            {
                title = "Bench vote",
                description = "Created by the benchmark's vote scenario: three approvers, all of whom must approve.",
                deadline = "2099-12-31T00:00:00Z",
                serviceRules = new[] { 1 },
                approvers,
                policy = new { mode = "all" },
            }, HttpStatusCode.Created, apiKey: apiKey, cancellationToken: cancellationToken);
            templates[voter] = Guid.Parse((string)created!["id"]!);
        }

        return templates;
    }

    private static async Task<string> SignInAsync(HttpClient http, string apiKey, string username, CancellationToken cancellationToken) =>
        await TokenAsync(http, username, await EnsurePersonAsync(http, apiKey, username, cancellationToken), cancellationToken);

    /// <summary>
    /// Makes <paramref name="username"/> an approver with a password of their own (created, or given a new one-time
    /// password when an earlier run made them, which they replace as a person must) and returns that password.
    /// </summary>
    public static async Task<string> EnsurePersonAsync(HttpClient http, string apiKey, string username, CancellationToken cancellationToken)
    {
        var user = await SendAsync(http, HttpMethod.Post, "/api/v1/users", new { username, roles = new[] { "approver" } },
            HttpStatusCode.Created, HttpStatusCode.Conflict, apiKey: apiKey, cancellationToken: cancellationToken)
            ?? await SendAsync(http, HttpMethod.Post, $"/api/v1/users/{username}/password-reset", null, HttpStatusCode.OK,
                apiKey: apiKey, cancellationToken: cancellationToken);
        var oneTime = (string)user!["oneTimePassword"]!;
        var restricted = await TokenAsync(http, username, oneTime, cancellationToken);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await SendAsync(http, HttpMethod.Post, "/api/v1/users/me/password", new { currentPassword = oneTime, newPassword = password },
            HttpStatusCode.NoContent, bearer: restricted, cancellationToken: cancellationToken);
        return password;
    }

    private static async Task<string> TokenAsync(HttpClient http, string username, string password, CancellationToken cancellationToken)
    {
        var issued = await SendAsync(http, HttpMethod.Post, "/api/v1/auth/token", new { username, password }, HttpStatusCode.OK,
            cancellationToken: cancellationToken);
        return (string)issued!["accessToken"]!;
    }

    /// <summary>
    /// Sends a JSON request and returns the answer's JSON when it has <paramref name="expected"/> (null without a body,
    /// or when it has <paramref name="tolerated"/>); any other answer stops the scenario with what the service said.
    /// </summary>
    public static async Task<JsonNode?> SendAsync(
        HttpClient http, HttpMethod method, string path, object? body, HttpStatusCode expected, HttpStatusCode? tolerated = null,
        string? apiKey = null, string? bearer = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == tolerated)
        {
            return null;
        }

        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode} (expected {(int)expected}): {text}");
        }

        return text.Length == 0 ? null : JsonNode.Parse(text);
    }
}
