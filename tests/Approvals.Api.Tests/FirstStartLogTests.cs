using System.Diagnostics;
using System.Text;
using Approvals.Testing;

namespace Approvals.Api.Tests;

/// <summary>
/// What a newcomer sees on the very first <c>./run.sh</c>: each service started as its own process, as run.sh starts
/// it, on an empty database, migrates it and logs no error (no <c>fail:</c> or <c>crit:</c> entry on the console; EF
/// Core logs a failed look-up of a history table that does not exist yet as one).
/// </summary>
public class FirstStartLogTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ApprovalService_on_an_empty_database_migrates_seeds_the_demo_and_logs_no_error()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("approvals_first_start");

        var log = await FirstStartAsync("Approvals.Api.dll", new()
        {
            ["ConnectionStrings__Approvals"] = database,
            ["Database__SeedDemoData"] = "true",
            ["Delivery__AllowPrivateNetworks"] = "true",
            ["Auth__Jwt__SigningKey"] = "first-start-test-signing-key-0123456789abcdef",
        });

        Assert.Contains("Applying ", log, StringComparison.Ordinal);
        AssertNoErrors(log);
    }

    [Fact]
    public async Task UserService_on_an_empty_database_migrates_and_logs_no_error()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("usersvc_first_start");

        var log = await FirstStartAsync("UserService.dll", new()
        {
            ["ConnectionStrings__UserService"] = database,
            ["UserService__ApiKey"] = UserServiceServer.ApiKey,
            ["UserService__SigningSecret"] = UserServiceServer.SigningSecret,
        });

        Assert.Contains("Applying ", log, StringComparison.Ordinal);
        AssertNoErrors(log);
    }

    private static void AssertNoErrors(string log)
    {
        var errors = log.Split('\n').Where(line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"The first start logged {errors.Count} error(s):\n{log}");
    }

    /// <summary>
    /// Runs the service's assembly (production settings, console logging as run.sh shows it) until it reports that it
    /// started, then stops it; returns everything it wrote.
    /// </summary>
    private static async Task<string> FirstStartAsync(string assembly, Dictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, assembly), "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var log = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(line);
            }

            if (line.Contains("Application started.", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(started.Task, exited, Task.Delay(StartTimeout));
            Assert.True(first == started.Task, $"{assembly} did not report that it started ({(first == exited ? $"it exited with {process.ExitCode}" : "timed out")}):\n{log}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }

        lock (log)
        {
            return log.ToString();
        }
    }
}
