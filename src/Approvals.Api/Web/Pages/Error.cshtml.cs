using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages;

/// <summary>
/// The page shown for an error status of a web page (re-executed by <see cref="WebSetup.UseWebErrorPages"/>), with
/// the original status. A request that may not be read is "not found", exactly as the API answers it.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Heading { get; private set; } = "Something went wrong";

    public string Explanation { get; private set; } = "";

    public IActionResult OnGet(int status) => Show(status);

    public IActionResult OnPost(int status) => Show(status);

    private PageResult Show(int status)
    {
        (Heading, Explanation) = status switch
        {
            StatusCodes.Status404NotFound => ("Not found", "There is no such page, or it is not yours to see."),
            StatusCodes.Status403Forbidden => ("Not allowed", "Your account may not open this page."),
            StatusCodes.Status400BadRequest => ("This request could not be read", "Reload the page and try again."),
            StatusCodes.Status429TooManyRequests => ("Too many attempts", "Wait a minute, then try again."),
            _ => ("Something went wrong", "Try again in a moment."),
        };

        // Reached directly (not re-executed), the page answers with the status it describes.
        if (Response.StatusCode == StatusCodes.Status200OK && status is >= 400 and <= 599)
        {
            Response.StatusCode = status;
        }

        return Page();
    }
}
