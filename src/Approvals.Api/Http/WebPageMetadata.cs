namespace Approvals.Api.Http;

/// <summary>
/// Marks an endpoint of the web pages: it authenticates by the session cookie (<see cref="WebSession"/>) and nothing
/// else, and its challenges redirect to the sign-in page instead of answering 401.
/// </summary>
public sealed class WebPageMetadata
{
    public static readonly WebPageMetadata Instance = new();

    private WebPageMetadata()
    {
    }

    public static bool IsWebPage(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<WebPageMetadata>() is not null;
}
