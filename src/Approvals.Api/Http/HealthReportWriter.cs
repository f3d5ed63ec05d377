using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Approvals.Api.Http;

/// <summary>
/// <c>/readyz</c>'s body: the overall status and each check's, with its description, so an operator sees which
/// dependency is degraded (<c>{"status":"Degraded","checks":{"database":{"status":"Healthy"},"broker":{…}}}</c>).
/// </summary>
public static class HealthReportWriter
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            if (entry.Description is { } description)
            {
                json.WriteString("description", description);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
