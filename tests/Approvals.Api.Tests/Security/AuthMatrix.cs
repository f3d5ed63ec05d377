using System.Net.Http.Json;
using static Approvals.Api.Tests.Security.CallerKind;

namespace Approvals.Api.Tests.Security;

/// <summary>
/// One row per endpoint: its method and route pattern (as the app registers it), the status a permitted caller
/// gets, who is permitted, and how to build a valid request. Everyone else with good credentials gets 403 and
/// every bad credential gets 401, except on public endpoints, which answer everyone alike.
/// To cover a new endpoint, add a row; <see cref="AuthMatrixTests"/> fails until every endpoint has one.
/// </summary>
public static class AuthMatrix
{
    public static readonly CallerKind[] Everyone = [Requester, Approver, Admin, ReadKey, WriteKey, DecideKey, AdminKey];
    public static readonly CallerKind[] Readers = [Requester, Approver, Admin, ReadKey, AdminKey];
    public static readonly CallerKind[] Creators = [Requester, Admin, WriteKey, AdminKey];

    /// <summary>Editors of an approval the requester created: its creator, admins and write keys.</summary>
    public static readonly CallerKind[] Editors = [Requester, Admin, WriteKey, AdminKey];

    /// <summary>Who may approve the requester's approval: the requester has no right to approve at all.</summary>
    public static readonly CallerKind[] Deciders = [Approver, Admin, DecideKey, AdminKey];

    public static readonly CallerKind[] Admins = [Admin, AdminKey];

    /// <summary>Signed-in people, whatever their role; never service keys.</summary>
    public static readonly CallerKind[] People = [Requester, Approver, Admin];

    public static IReadOnlyList<EndpointCase> Cases { get; } =
    [
        Public("GET", "/status", 200, _ => Get("/status")),
        Public("GET", "/healthz", 200, _ => Get("/healthz")),
        Public("GET", "/readyz", 200, _ => Get("/readyz")),
        Public("GET", "/openapi/{documentName}.json", 200, _ => Get("/openapi/v1.json")),
        Public("POST", "/api/v1/auth/token", 200,
            _ => Send(HttpMethod.Post, "/api/v1/auth/token", new { username = MatrixCallers.Requester, password = SecurityApiFactory.Password })),

        // The original routes.
        Protected("POST", "/request", 200, Creators, async c => Send(HttpMethod.Post, "/request", new
        {
            title = "Legacy create",
            description = "Through the original route.",
            service_rule = await c.ServiceRuleAsync(),
            deadline = c.Deadline,
        })),
        Protected("GET", "/request", 200, Readers, async c => Get($"/request?id={await c.NewApprovalAsync()}")),
        Protected("GET", "/requests", 200, Readers, _ => Get("/requests?default=1")),
        Protected("PUT", "/request", 200, Editors, async c => Send(HttpMethod.Put, "/request", new { id = await c.NewApprovalAsync(), comment = "edited" })),

        // API v1: approvals.
        Protected("POST", "/api/v1/approvals", 201, Creators, async c => Send(HttpMethod.Post, "/api/v1/approvals", new
        {
            title = "Matrix create",
            description = "Created by one matrix cell.",
            deadline = c.Deadline,
            serviceRules = new[] { await c.ServiceRuleAsync() },
        })),
        Protected("GET", "/api/v1/approvals", 200, Readers, _ => Get("/api/v1/approvals")),
        Protected("GET", "/api/v1/approvals/{id}", 200, Readers, async c => Get($"/api/v1/approvals/{await c.NewApprovalAsync()}")),
        Protected("PATCH", "/api/v1/approvals/{id}", 200, Editors,
            async c => Send(HttpMethod.Patch, $"/api/v1/approvals/{await c.NewApprovalAsync()}", new { comment = "edited" })),
        Protected("POST", "/api/v1/approvals/{id}/decision", 202, Deciders,
            async c => Send(HttpMethod.Post, $"/api/v1/approvals/{await c.NewApprovalAsync()}/decision", new { decision = "approve" })),
        Protected("GET", "/api/v1/approvals/{id}/history", 200, Readers, async c => Get($"/api/v1/approvals/{await c.NewApprovalAsync()}/history")),
        // Any person may call it; whether they may vote is the approval's policy: here it names the approver alone.
        new("POST", "/api/v1/approvals/{id}/votes", 202, [Approver],
            async c => Send(HttpMethod.Post, $"/api/v1/approvals/{await c.NewApprovalForApproverAsync()}/votes", new { vote = "approve" }),
            Approvals.Domain.ErrorCodes.NotAnApprover),
        // Any caller may send it; each item's result says whether that vote was theirs to cast.
        Protected("POST", "/api/v1/votes:bulk", 200, Everyone,
            async c => Send(HttpMethod.Post, "/api/v1/votes:bulk", new { items = new[] { new { approvalId = await c.NewApprovalForApproverAsync(), vote = "approve" } } })),
        Protected("GET", "/api/v1/inbox", 200, [Requester, Approver, Admin], _ => Get("/api/v1/inbox")),
        Protected("GET", "/api/v1/state-machine", 200, Everyone, _ => Get("/api/v1/state-machine")),
        Protected("GET", "/api/v1/approvals/{id}/deliveries", 200, Readers,
            async c => Get($"/api/v1/approvals/{await c.NewApprovalAsync()}/deliveries")),
        Protected("GET", "/api/v1/events", 200, Readers, _ => Get("/api/v1/events?limit=5")),
        Protected("POST", "/api/v1/approvals/{id}/deliveries/{jobId}/retry", 202, Admins, async c =>
        {
            var (approvalId, jobId) = await c.NewFailedDeliveryAsync();
            return new HttpRequestMessage(HttpMethod.Post, $"/api/v1/approvals/{approvalId}/deliveries/{jobId}/retry");
        }),

        // API v1: administration.
        Protected("GET", "/api/v1/service-rules", 200, Admins, _ => Get("/api/v1/service-rules")),
        Protected("GET", "/api/v1/service-rules/{id}", 200, Admins, async c => Get($"/api/v1/service-rules/{await c.ServiceRuleAsync()}")),
        Protected("POST", "/api/v1/service-rules", 201, Admins, _ => Send(HttpMethod.Post, "/api/v1/service-rules", NewServiceRuleBody())),
        Protected("PUT", "/api/v1/service-rules/{id}", 200, Admins,
            async c => Send(HttpMethod.Put, $"/api/v1/service-rules/{await c.NewServiceRuleAsync()}", NewServiceRuleBody())),
        Protected("DELETE", "/api/v1/service-rules/{id}", 204, Admins,
            async c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/service-rules/{await c.NewServiceRuleAsync()}")),
        Protected("POST", "/api/v1/service-rules/{id}/rotate-secret", 200, Admins,
            async c => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/service-rules/{await c.NewServiceRuleAsync()}/rotate-secret")),
        Protected("GET", "/api/v1/service-rules/{id}/health", 200, Admins, async c => Get($"/api/v1/service-rules/{await c.ServiceRuleAsync()}/health")),
        Protected("POST", "/api/v1/api-clients", 201, Admins,
            _ => Send(HttpMethod.Post, "/api/v1/api-clients", new { name = $"cell-{Guid.NewGuid():N}", scopes = new[] { "approvals:read" } })),
        Protected("GET", "/api/v1/api-clients", 200, Admins, _ => Get("/api/v1/api-clients")),
        Protected("DELETE", "/api/v1/api-clients/{id}", 204, Admins,
            async c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/api-clients/{await c.NewApiClientAsync()}")),

        // API v1: people.
        Protected("GET", "/api/v1/users/me", 200, People, _ => Get("/api/v1/users/me")),

        // Every person's password is the matrix's, so a change would lock the other cells out: the current password
        // sent is wrong, and a person who may call the endpoint gets as far as the check of it (422).
        Protected("POST", "/api/v1/users/me/password", 422, People,
            _ => Send(HttpMethod.Post, "/api/v1/users/me/password", new { currentPassword = "not-the-password", newPassword = "a-new-password-0123" })),
        Protected("GET", "/api/v1/users/me/delegation", 200, People, async c =>
        {
            await c.EnsureDelegationsAsync();
            return Get("/api/v1/users/me/delegation");
        }),
        Protected("PUT", "/api/v1/users/me/delegation", 200, People, async c =>
            Send(HttpMethod.Put, "/api/v1/users/me/delegation", new { to = await c.DelegateAsync(), until = c.Deadline })),
        Protected("DELETE", "/api/v1/users/me/delegation", 204, People, _ => new HttpRequestMessage(HttpMethod.Delete, "/api/v1/users/me/delegation")),
        Protected("POST", "/api/v1/users", 201, Admins,
            _ => Send(HttpMethod.Post, "/api/v1/users", new { username = $"cell-{Guid.NewGuid():N}", roles = new[] { "approver" } })),
        Protected("GET", "/api/v1/users", 200, Admins, _ => Get("/api/v1/users")),
        Protected("GET", "/api/v1/users/{username}", 200, Admins, async c => Get($"/api/v1/users/{await c.NewUserAsync()}")),
        Protected("PATCH", "/api/v1/users/{username}", 200, Admins,
            async c => Send(HttpMethod.Patch, $"/api/v1/users/{await c.NewUserAsync()}", new { roles = new[] { "requester" } })),
        Protected("POST", "/api/v1/users/{username}/password-reset", 200, Admins,
            async c => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/users/{await c.NewUserAsync()}/password-reset")),
        Protected("POST", "/api/v1/groups", 201, Admins,
            _ => Send(HttpMethod.Post, "/api/v1/groups", new { name = $"cell-{Guid.NewGuid():N}", members = Array.Empty<string>() })),
        Protected("GET", "/api/v1/groups", 200, Admins, _ => Get("/api/v1/groups")),
        Protected("GET", "/api/v1/groups/{name}", 200, Admins, async c => Get($"/api/v1/groups/{await c.NewGroupAsync()}")),
        Protected("DELETE", "/api/v1/groups/{name}", 204, Admins,
            async c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/groups/{await c.NewGroupAsync()}")),
        Protected("PUT", "/api/v1/groups/{name}/members", 200, Admins,
            async c => Send(HttpMethod.Put, $"/api/v1/groups/{await c.NewGroupAsync()}/members", new { members = new[] { await c.NewUserAsync() } })),
        Protected("PUT", "/api/v1/groups/{name}/members/{username}", 200, Admins,
            async c => new HttpRequestMessage(HttpMethod.Put, $"/api/v1/groups/{await c.NewGroupAsync()}/members/{await c.NewUserAsync()}")),
        Protected("DELETE", "/api/v1/groups/{name}/members/{username}", 200, Admins,
            async c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/groups/{await c.NewGroupAsync()}/members/{await c.NewUserAsync()}")),
    ];

    public static EndpointCase Find(string endpoint) => Cases.Single(c => c.Endpoint == endpoint);

    private static EndpointCase Public(string method, string route, int status, Func<MatrixCallers, Task<HttpRequestMessage>> request) =>
        new(method, route, status, null, request);

    private static EndpointCase Public(string method, string route, int status, Func<MatrixCallers, HttpRequestMessage> request) =>
        new(method, route, status, null, c => Task.FromResult(request(c)));

    private static EndpointCase Protected(
        string method, string route, int status, CallerKind[] permitted, Func<MatrixCallers, Task<HttpRequestMessage>> request) =>
        new(method, route, status, permitted, request);

    private static EndpointCase Protected(
        string method, string route, int status, CallerKind[] permitted, Func<MatrixCallers, HttpRequestMessage> request) =>
        new(method, route, status, permitted, c => Task.FromResult(request(c)));

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);

    private static HttpRequestMessage Send(HttpMethod method, string url, object body) => new(method, url) { Content = JsonContent.Create(body) };

    private static object NewServiceRuleBody() => new { name = $"cell-{Guid.NewGuid():N}", url = "http://127.0.0.1:9/approval", apiKey = "downstream" };
}

/// <param name="Permitted">Callers that get <paramref name="Status"/>; null for a public endpoint.</param>
/// <param name="ForbiddenCode">The code a caller who is not permitted gets (the endpoint policy's, unless the rule is the domain's).</param>
public sealed record EndpointCase(
    string Method, string Route, int Status, CallerKind[]? Permitted, Func<MatrixCallers, Task<HttpRequestMessage>> BuildRequest,
    string ForbiddenCode = Approvals.Domain.ErrorCodes.Forbidden)
{
    public string Endpoint => $"{Method} {Route}";

    public int ExpectedStatus(CallerKind caller) =>
        Permitted is null || Permitted.Contains(caller) ? Status
        : MatrixCallers.HasBadCredentials(caller) ? 401
        : 403;
}
