using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// A page's form posted twice (a double click, a resent request) does its work once: the repeat answers with the
/// first post's redirect and notice, whether it comes after the first or at the same time.
/// </summary>
public partial class FormSubmissionTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Fact]
    public async Task A_form_posted_twice_creates_one_request_and_the_repeat_answers_as_the_first()
    {
        using var browser = await SignedInAsync("rosa", Roles.Requester);
        var form = await NewRequestFormAsync(browser, "Printer toner, posted twice");

        var first = await PostAsync(browser, "/new", form);
        var repeat = await PostAsync(browser, "/new", form);

        Assert.Equal((HttpStatusCode.Redirect, "/mine"), first);
        Assert.Equal(first, repeat);
        Assert.Equal(1, await CountAsync("Printer toner, posted twice"));
        var mine = WebUtility.HtmlDecode(await PageAsync(browser, "/mine"));
        Assert.Contains("Your request “Printer toner, posted twice” was created.", mine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_posts_of_one_form_at_the_same_time_create_one_request()
    {
        using var browser = await SignedInAsync("rosa", Roles.Requester);
        var form = await NewRequestFormAsync(browser, "Desk lamp, double-clicked");

        var answers = await Task.WhenAll(PostAsync(browser, "/new", form), PostAsync(browser, "/new", form));

        Assert.All(answers, answer => Assert.Equal((HttpStatusCode.Redirect, "/mine"), answer));
        Assert.Equal(1, await CountAsync("Desk lamp, double-clicked"));
    }

    [Fact]
    public async Task The_same_form_sent_again_with_other_values_is_another_request()
    {
        using var browser = await SignedInAsync("rosa", Roles.Requester);
        var form = await NewRequestFormAsync(browser, "Chair, first version");
        Assert.Equal((HttpStatusCode.Redirect, "/mine"), await PostAsync(browser, "/new", form));

        // What the browser's Back button gives: the same form, its submission id included, then edited.
        form["title"] = "Chair, second version";
        Assert.Equal((HttpStatusCode.Redirect, "/mine"), await PostAsync(browser, "/new", form));

        Assert.Equal(1, await CountAsync("Chair, first version"));
        Assert.Equal(1, await CountAsync("Chair, second version"));
    }

    [Fact]
    public async Task A_submission_id_that_is_no_id_is_refused_and_changes_nothing()
    {
        using var browser = await SignedInAsync("rosa", Roles.Requester);
        var form = await NewRequestFormAsync(browser, "Whiteboard, forged id");
        form[FormSubmissionField] = "not-an-id";

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(browser, "/new", form)).Status);
        Assert.Equal(0, await CountAsync("Whiteboard, forged id"));
    }

    [Fact]
    public async Task Every_post_form_gets_its_own_submission_id()
    {
        using var browser = await SignedInAsync("rosa", Roles.Requester);
        var page = await PageAsync(browser, "/new");
        var again = await PageAsync(browser, "/new");

        // The request form and the sign-out form of the layout, each time new.
        var ids = SubmissionIdField().Matches(page).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Empty(ids.Intersect(SubmissionIdField().Matches(again).Select(m => m.Groups[1].Value)));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task Approving_several_twice_shows_what_the_first_approval_did()
    {
        var ids = await CreateForAsync("vera", "Team lunch", "Conference ticket");
        using var browser = await SignedInAsync("vera", Roles.Approver);
        var inbox = await PageAsync(browser, "/");
        List<KeyValuePair<string, string>> form =
        [
            new("__RequestVerificationToken", WebForms.Token(inbox)),
            new(FormSubmissionField, BulkSubmissionId().Match(inbox).Groups[1].Value),
            new("comment", "both fine"),
            .. ids.Select(id => new KeyValuePair<string, string>("ids", id)),
        ];

        var first = await PostAsync(browser, "/?handler=Approve", form);
        var repeat = await PostAsync(browser, "/?handler=Approve", form);

        Assert.Equal(HttpStatusCode.Redirect, first.Status);
        Assert.Equal(first, repeat);
        var shown = await PageAsync(browser, "/");
        Assert.Equal(2, Regex.Count(shown, "Approved, and your vote decided it\\.", RegexOptions.None, TimeSpan.FromSeconds(1)));
        Assert.DoesNotContain("Not approved", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vote_posted_twice_at_once_and_again_is_cast_once_and_every_post_answers_as_the_first()
    {
        var id = (await CreateForAsync("wanda", "Offsite venue"))[0];
        using var browser = await SignedInAsync("wanda", Roles.Approver);
        var page = await PageAsync(browser, $"/approvals/{id}");
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebForms.Token(page),
            [FormSubmissionField] = SubmissionIdField().Match(page).Groups[1].Value,
            ["version"] = VersionField().Match(page).Groups[1].Value,
            ["onBehalfOf"] = "wanda",
            ["choice"] = "approve",
        };

        // Both at once: the one that waited for the other's row lock is refused (already voted), and answers as the
        // other did; then one more after both.
        var answers = await Task.WhenAll(
            PostAsync(browser, $"/approvals/{id}?handler=Vote", form), PostAsync(browser, $"/approvals/{id}?handler=Vote", form));
        var repeat = await PostAsync(browser, $"/approvals/{id}?handler=Vote", form);

        Assert.All([.. answers, repeat], answer => Assert.Equal((HttpStatusCode.Redirect, $"/approvals/{id}?done=vote-approve"), answer));
        await using var db = Factory.CreateDbContext();
        Assert.Equal(1, await db.Events.CountAsync(e => e.ApprovalId == Guid.Parse(id) && e.Type == "approval.vote_cast"));
    }

    private const string FormSubmissionField = "__SubmissionId";

    /// <summary>Approvals of these titles, created through the API, that <paramref name="approver"/> alone decides; their ids.</summary>
    private async Task<List<string>> CreateForAsync(string approver, params string[] titles)
    {
        await Factory.UserAsync(approver, Roles.Approver);
        var rule = await Factory.AddServiceRuleAsync($"rule-{Guid.NewGuid():N}");
        using var api = Factory.CreateAuthenticatedClient();
        var ids = new List<string>();
        foreach (var title in titles)
        {
            var created = await api.PostAsJsonAsync("/api/v1/approvals", new
            {
                title,
                description = "d",
                deadline = Factory.Clock.GetUtcNow().AddDays(2),
                serviceRules = new[] { rule },
                approvers = new[] { new { user = approver } },
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            ids.Add((await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.ToString());
        }

        return ids;
    }

    /// <summary>A client of the pages, over https (the cookies are Secure), keeping its cookies, following no redirect, signed in.</summary>
    private async Task<HttpClient> SignedInAsync(string username, string role)
    {
        await Factory.UserAsync(username, role);
        var browser = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });
        await WebForms.SignInAsync(browser, username);
        return browser;
    }

    /// <summary>The new request form as the page gives it (its tokens), filled in for a request of <paramref name="title"/>.</summary>
    private async Task<Dictionary<string, string>> NewRequestFormAsync(HttpClient browser, string title)
    {
        var page = await PageAsync(browser, "/new");
        return new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebForms.Token(page),
            [FormSubmissionField] = SubmissionIdField().Match(page).Groups[1].Value,
            ["title"] = title,
            ["description"] = "for the office",
            ["deadline"] = Factory.Clock.GetUtcNow().AddDays(3).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture),
            ["deadlineOffset"] = "0",
            ["serviceRules"] = (await Factory.AddServiceRuleAsync($"rule-{Guid.NewGuid():N}")).ToString(CultureInfo.InvariantCulture),
            ["policy"] = "any",
        };
    }

    private static async Task<(HttpStatusCode Status, string? Location)> PostAsync(
        HttpClient browser, string path, IEnumerable<KeyValuePair<string, string>> form)
    {
        using var response = await browser.PostAsync(path, new FormUrlEncodedContent(form));
        return (response.StatusCode, response.Headers.Location?.OriginalString);
    }

    private static async Task<string> PageAsync(HttpClient browser, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<int> CountAsync(string title)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Approvals.CountAsync(a => a.Title == title);
    }

    [GeneratedRegex("name=\"version\" value=\"([0-9]+)\"")]
    private static partial Regex VersionField();

    [GeneratedRegex("name=\"__SubmissionId\" value=\"([0-9a-f]{32})\"")]
    private static partial Regex SubmissionIdField();

    /// <summary>The bulk approval form's submission id (the form that posts to the Approve handler).</summary>
    [GeneratedRegex("handler=Approve\"[^>]*>(?:(?!</form>).)*?name=\"__SubmissionId\" value=\"([0-9a-f]{32})\"", RegexOptions.Singleline)]
    private static partial Regex BulkSubmissionId();
}
