using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Security;

public sealed class DemoDataApiFactory : SecurityApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [.. base.ExtraSettings, new("Database:SeedDemoData", "true")];
}

/// <summary>With the demo data there are demo people and the original demo key; the rest of the time there is nobody.</summary>
public class DemoAccountTests(DemoDataApiFactory factory) : ApiTestBase<DemoDataApiFactory>(factory)
{
    [Theory]
    [InlineData("alice", 403, 201)]
    [InlineData("bob", 403, 403)]
    [InlineData("carol", 200, 201)]
    [InlineData("dave", 403, 403)]
    public async Task Demo_users_sign_in_with_the_demo_password_and_have_their_role(string username, int serviceRules, int create)
    {
        using var user = Factory.ClientWithToken(await Factory.TokenAsync(username, "demo"));

        var rules = await user.GetAsync("/api/v1/service-rules");
        var created = await user.PostAsJsonAsync("/api/v1/approvals", new { title = "Demo", description = "d", deadline = FutureDeadline, serviceRules = new[] { 1 } });

        Assert.Equal((serviceRules, create), ((int)rules.StatusCode, (int)created.StatusCode));
    }

    [Fact]
    public async Task The_demo_group_finance_has_bob_and_carol_and_each_of_them_sees_it()
    {
        var finance = (await Client.GetFromJsonAsync<JsonObject>("/api/v1/groups/finance"))!;
        using var bob = Factory.ClientWithToken(await Factory.TokenAsync("bob", "demo"));
        using var dave = Factory.ClientWithToken(await Factory.TokenAsync("dave", "demo"));

        Assert.Equal(["bob", "carol"], finance["members"]!.AsArray().Select(m => (string)m!));
        Assert.Equal(["finance"], (await bob.GetFromJsonAsync<JsonObject>("/api/v1/users/me"))!["groups"]!.AsArray().Select(g => (string)g!));
        Assert.Empty((await dave.GetFromJsonAsync<JsonObject>("/api/v1/users/me"))!["groups"]!.AsArray());
    }

    [Fact]
    public async Task Seeding_the_demo_data_again_as_a_restart_does_change_nothing_and_logs_no_error()
    {
        var before = await SnapshotAsync();
        var logged = Factory.Logs.Entries.Count;

        await DatabaseInitializer.InitializeAsync(Factory.Services);

        Assert.DoesNotContain(Factory.Logs.Entries.Skip(logged), e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal));
        before.AssertUnchanged(await SnapshotAsync(), "the demo data exists already");
    }

    [Fact]
    public async Task The_original_demo_key_works_with_every_scope_and_is_listed_as_the_demo_client()
    {
        using var demo = Factory.CreateAuthenticatedClient("stashapprovalapikey");

        await AssertStatusAsync(await demo.GetAsync("/requests"), HttpStatusCode.OK);
        var clients = (await demo.GetFromJsonAsync<JsonArray>("/api/v1/api-clients"))!;

        var listed = clients.Single(c => (string?)c!["name"] == "demo")!;
        Assert.Equal(["approvals:read", "approvals:write", "approvals:decide", "admin"], listed["scopes"]!.AsArray().Select(s => (string)s!));
    }
}

/// <summary>Without demo data no account exists until <c>create-admin</c>, run as a real process, makes the first.</summary>
public class CreateAdminCommandTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Fact]
    public async Task Create_admin_prints_a_password_once_that_signs_in_as_an_admin()
    {
        await using (var db = Factory.CreateDbContext())
        {
            Assert.False(await db.Users.AnyAsync());
            Assert.False(await db.ApiClients.AnyAsync());
        }

        using var anonymous = Factory.CreateClient();
        await AssertProblemAsync(await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "alice", password = "demo" }), 401, ErrorCodes.InvalidCredentials);
        using var demoKey = Factory.CreateAuthenticatedClient("stashapprovalapikey");
        await AssertProblemAsync(await demoKey.GetAsync("/requests"), 401, ErrorCodes.Unauthenticated);

        var (exitCode, output, _) = await RunAsync("create-admin", "root");

        Assert.True(exitCode == 0, output);
        var password = Regex.Match(output, @"Password \(shown once, store it now\): (\S+)").Groups[1].Value;
        Assert.True(password.Length >= 20, output);
        using var root = Factory.ClientWithToken(await Factory.TokenAsync("root", password));
        await AssertStatusAsync(await root.GetAsync("/api/v1/service-rules"), HttpStatusCode.OK);

        var again = await RunAsync("create-admin", "root");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists already", again.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create-admin")]
    [InlineData("create-admin", "bad name")]
    [InlineData("create-admin", "a", "b")]
    public async Task Create_admin_refuses_bad_arguments(params string[] args)
    {
        var (exitCode, _, error) = await RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage: create-admin <username>", error, StringComparison.Ordinal);
    }

    /// <summary>Runs the built service the way an operator would, against this test's database.</summary>
    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ConnectionStrings__Approvals"] = Factory.ConnectionString, ["Logging__LogLevel__Default"] = "Warning" },
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Approvals.Api.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
