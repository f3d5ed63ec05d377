using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>
/// Starts ApprovalService as Program does (<c>AddApprovalsApi</c>, <c>Build</c>, <c>UseApprovalsApi</c>, start) with
/// the given settings, to prove that bad settings stop it at start. Not through WebApplicationFactory: when the host
/// fails to start, the factory's deferred host can reach the disposed provider first and report an
/// ObjectDisposedException instead of the failure (dotnet/aspnetcore#33494), which made such tests flaky under load.
/// No database is needed: start-up fails before one is used.
/// </summary>
public static class ServiceStart
{
    /// <summary>The exception that stopped the start, or null when the service started (it is then stopped); a later setting of a key wins.</summary>
    public static async Task<Exception?> FailureAsync(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(Program).Assembly.GetName().Name,
                EnvironmentName = "Testing",
            });
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(
            [
                new("ConnectionStrings:Approvals", "Host=127.0.0.1;Port=9;Database=none"),
                new("Database:MigrateOnStartup", "false"),
            ]);
            // A later setting of the same key wins, as with UseSetting.
            foreach (var setting in settings)
            {
                builder.Configuration[setting.Key] = setting.Value;
            }

            builder.AddApprovalsApi();
            await using var app = builder.Build();
            app.UseApprovalsApi();
            await app.StartAsync();
            await app.StopAsync();
            return null;
        }
#pragma warning disable CA1031 // Whatever stops the start is the result under test.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            return failure;
        }
    }

    public static Task<Exception?> FailureAsync(params (string Key, string? Value)[] settings) =>
        FailureAsync(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));

    /// <summary>The options validation failure that stopped the start; fails the test if the start failed otherwise or not at all.</summary>
    public static async Task<OptionsValidationException> ValidationFailureAsync(params (string Key, string? Value)[] settings)
    {
        var failure = await FailureAsync(settings);
        var validation = Flatten(failure).OfType<OptionsValidationException>().FirstOrDefault();
        return validation ?? throw new Xunit.Sdk.XunitException($"Expected an options validation failure at start, got: {failure?.ToString() ?? "a started service"}");
    }

    private static IEnumerable<Exception> Flatten(Exception? exception) => exception switch
    {
        null => [],
        AggregateException aggregate => [aggregate, .. aggregate.InnerExceptions.SelectMany(Flatten)],
        _ => [exception, .. Flatten(exception.InnerException)],
    };
}
