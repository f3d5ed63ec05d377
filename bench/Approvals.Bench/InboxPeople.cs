using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Approvals.Bench;

/// <summary>
/// The inbox scenarios' readers and what waits for them: <see cref="ReaderCount"/> approvers <c>bench-reader-NN</c>
/// (made as <see cref="VotePeople.EnsurePersonAsync"/> makes people), all in the group <c>bench-inbox</c>, and
/// <see cref="WaitingCount"/> PENDING approvals naming that group (policy any), so each reader has them all waiting:
/// one made through <c>POST /api/v1/approvals</c>, the rest cloned from it in SQL (<see cref="VotePool.CloneAsync"/>,
/// ids <see cref="Prefix"/> + n). Each reader signs in through the web page's form, as a browser does, and the load
/// sends their session cookie.
/// </summary>
internal static partial class InboxPeople
{
    public const int ReaderCount = 16;
    public const int WaitingCount = 10_000;
    public const string Group = "bench-inbox";

    /// <summary>The id prefix of the waiting approvals; bench/wrk/inbox-detail.lua uses the same one.</summary>
    public const string Prefix = "018f000b-0000-7000-8000-";

    public static string Username(int reader) => string.Create(CultureInfo.InvariantCulture, $"bench-reader-{reader:00}");

    /// <summary>The readers' session cookies (<c>name=value</c>), reader 0 first, with their inbox filled.</summary>
    public static async Task<string[]> PrepareAsync(BenchContext context, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = context.ApprovalsUrl, Timeout = TimeSpan.FromSeconds(60) };
        var passwords = new string[ReaderCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, ReaderCount), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (reader, token) => passwords[reader] = await VotePeople.EnsurePersonAsync(http, context.ApiKey, Username(reader), token));

        var members = new { members = Enumerable.Range(0, ReaderCount).Select(Username).ToArray() };
        if (await VotePeople.SendAsync(http, HttpMethod.Post, "/api/v1/groups", new { name = Group, members.members }, HttpStatusCode.Created,
                HttpStatusCode.Conflict, apiKey: context.ApiKey, cancellationToken: cancellationToken) is null)
        {
            await VotePeople.SendAsync(http, HttpMethod.Put, $"/api/v1/groups/{Group}/members", members, HttpStatusCode.OK,
                apiKey: context.ApiKey, cancellationToken: cancellationToken);
        }

        var pool = new VotePool(context.ConnectionString);
        var existing = await pool.CountAsync(Prefix, cancellationToken);
        if (existing < WaitingCount)
        {
            var template = await VotePeople.SendAsync(http, HttpMethod.Post, "/api/v1/approvals", new
            {
                title = "Bench inbox",
                description = "Created by the benchmark's inbox scenarios: waits for any member of bench-inbox.",
                deadline = "2099-12-31T00:00:00Z",
                serviceRules = new[] { 1 },
                approvers = new[] { new { group = Group } },
                policy = new { mode = "any" },
            }, HttpStatusCode.Created, apiKey: context.ApiKey, cancellationToken: cancellationToken);
            var numbers = Enumerable.Range((int)existing + 1, WaitingCount - (int)existing).Select(n => (long)n).ToArray();
            await pool.CloneAsync(Prefix, numbers, [Guid.Parse((string)template!["id"]!)], cancellationToken);
        }

        var cookies = new string[ReaderCount];
        for (var reader = 0; reader < ReaderCount; reader++)
        {
            cookies[reader] = await SignInAsync(context.ApprovalsUrl, Username(reader), passwords[reader], cancellationToken);
        }

        await CheckInboxAsync(context.ApprovalsUrl, cookies[0], cancellationToken);
        return cookies;
    }

    /// <summary>Fails unless the cookie's inbox page answers 200 and counts at least <see cref="WaitingCount"/> waiting requests.</summary>
    public static async Task CheckInboxAsync(Uri service, string cookie, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = service };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", cookie);
        using var response = await http.SendAsync(request, cancellationToken);
        var html = await response.Content.ReadAsStringAsync(cancellationToken);
        var waiting = WaitingPattern().Match(html);
        if (response.StatusCode != HttpStatusCode.OK || !waiting.Success
            || long.Parse(waiting.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) < WaitingCount)
        {
            throw new InvalidOperationException($"The inbox page of a bench reader answered {(int)response.StatusCode} without {WaitingCount:N0} waiting requests.");
        }
    }

    /// <summary>Signs in through the web form (its antiforgery token and cookie first) and returns the session cookie.</summary>
    private static async Task<string> SignInAsync(Uri service, string username, string password, CancellationToken cancellationToken)
    {
        var jar = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = jar }) { BaseAddress = service };
        var form = await http.GetStringAsync("/sign-in", cancellationToken);
        var token = TokenPattern().Match(form).Groups[1].Value;
        using var signedIn = await http.PostAsync("/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username,
            ["password"] = password,
            ["__RequestVerificationToken"] = token,
        }), cancellationToken);
        var session = jar.GetCookies(service)["approvals.session"];
        if (signedIn.StatusCode != HttpStatusCode.Redirect || session is null)
        {
            throw new InvalidOperationException($"{username} could not sign in through /sign-in: {(int)signedIn.StatusCode}");
        }

        return $"{session.Name}={session.Value}";
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"([\d,]+) requests wait for your vote")]
    private static partial Regex WaitingPattern();
}

/// <summary>
/// GET of a web page as the inbox readers, each connection with a reader's session cookie (bench/wrk/inbox.lua,
/// bench/wrk/inbox-detail.lua): the first inbox page, or the detail page of a random waiting approval. No pgbench
/// ceiling: the figure that counts is the page's p99 (issue 19: under 100 ms for the inbox, 50 ms for the detail, with
/// 16 readers at once).
/// </summary>
internal sealed class InboxLoad(string wrkScript, TimeSpan targetP99) : HttpLoad(wrkScript, null)
{
    private string _cookiesFile = "";
    private string _firstCookie = "";

    public override TimeSpan? TargetP99 => targetP99;

    public override async Task PrepareAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var cookies = await InboxPeople.PrepareAsync(context, cancellationToken);
        _firstCookie = cookies[0];

        // Session cookies of throwaway accounts on this run's service; bench/results is not committed.
        _cookiesFile = Path.Combine(context.Paths.Results, "inbox-cookies.txt");
        await File.WriteAllLinesAsync(_cookiesFile, cookies, cancellationToken);
        Console.WriteLine($"[inbox] {InboxPeople.ReaderCount} readers signed in through /sign-in, {InboxPeople.WaitingCount:N0} approvals waiting for each");
    }

    public override Task<IReadOnlyList<string>> ArgumentsAsync(BenchContext context, int seconds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([_cookiesFile, InboxPeople.WaitingCount.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>After the load, the sessions still work (a redirect to sign-in would not count as an error in wrk).</summary>
    public override Task CheckAfterAsync(BenchContext context, CancellationToken cancellationToken) =>
        InboxPeople.CheckInboxAsync(context.ApprovalsUrl, _firstCookie, cancellationToken);
}
