using System.Net;
using System.Text.RegularExpressions;
using Approvals.Api.Tests.Security;

namespace Approvals.Api.Tests.Web;

/// <summary>The web pages' forms as a browser without scripts uses them: the antiforgery token from the page, the sign-in post.</summary>
internal static partial class WebForms
{
    /// <summary>The antiforgery token of the first form of <paramref name="html"/> ("" when it has none).</summary>
    public static string Token(string html) => TokenField().Match(html).Groups[1].Value;

    /// <summary>Signs in through the form, as a browser does: the antiforgery token from the page, the session cookie kept by the client.</summary>
    public static async Task SignInAsync(HttpClient client, string username, string password = SecurityApiFactory.Password)
    {
        var form = await (await client.GetAsync("/sign-in")).Content.ReadAsStringAsync();
        var response = await client.PostAsync("/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username,
            ["password"] = password,
            ["__RequestVerificationToken"] = Token(form),
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
