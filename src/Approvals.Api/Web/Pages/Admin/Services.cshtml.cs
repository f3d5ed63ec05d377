using Approvals.Api.Features;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages.Admin;

/// <summary>
/// The service rules with their delivery health over the last 24 hours (<see cref="DeliveryHealth"/>, the same read
/// as <c>GET /api/v1/service-rules/{id}/health</c>): success rate, attempts, p95 latency and attempts per hour.
/// </summary>
public sealed class ServicesModel(DeliveryHealth health) : PageModel
{
    public IReadOnlyList<ServiceRuleHealthResponse> Rules { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Rules = await health.ForAllAsync(cancellationToken);
}
