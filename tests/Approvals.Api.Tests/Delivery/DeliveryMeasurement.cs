using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Approvals.Domain;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Xunit.Abstractions;

namespace Approvals.Api.Tests.Delivery;

/// <summary>Runs only when <c>APPROVALS_MEASURE=1</c>: a measurement, not a check, and it takes a while.</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("APPROVALS_MEASURE") != "1")
        {
            Skip = "Measurement: set APPROVALS_MEASURE=1 to run.";
        }
    }
}

/// <summary>Both services on the real clock, so the figures are wall-clock time.</summary>
public sealed class RealClockDeliveryFixture : DeliveryFixture
{
    public override TimeProvider ServicesClock => TimeProvider.System;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [.. base.ExtraSettings, new("Logging:LogLevel:Default", "Warning")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton(TimeProvider.System);
        });
    }
}

/// <summary>
/// Decision-to-downstream latency and completed decisions per second, ApprovalService (in-process API, its
/// dispatcher) and UserService (Kestrel on loopback) on one PostgreSQL, all on this machine. Latency runs from the
/// decision's history timestamp (taken in the decision's transaction, just before commit) to UserService's
/// first_received_at; both come from the system clock. Settings: APPROVALS_MEASURE_DECISIONS (default 1000),
/// APPROVALS_MEASURE_CLIENTS (concurrent API clients, default 16). Results also go to bench/results/.
/// </summary>
public class DeliveryMeasurement(RealClockDeliveryFixture fixture, ITestOutputHelper output) : DeliveryTestBase<RealClockDeliveryFixture>(fixture)
{
    [MeasurementFact]
    public async Task Measure_decision_to_downstream_latency_and_throughput()
    {
        var decisions = Setting("APPROVALS_MEASURE_DECISIONS", 1000);
        var clients = Setting("APPROVALS_MEASURE_CLIENTS", 16);
        var rule = await Factory.AddUserServiceRuleAsync();
        var ids = new Guid[decisions];
        await Parallel.ForAsync(0, decisions, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) => ids[i] = await CreateApprovalForAsync(rule));

        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, decisions, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, cancellationToken) =>
        {
            var response = await Client.PostAsJsonAsync($"/api/v1/approvals/{ids[i]}/decision", new { decision = "approve" }, cancellationToken);
            response.EnsureSuccessStatusCode();
        });
        var submitted = clock.Elapsed;
        await WaitUntilAsync(async () =>
        {
            await using var db = Factory.CreateDbContext();
            return await db.Approvals.CountAsync(a => ids.Contains(a.Id) && a.Status == Domain.ApprovalStatus.Approved) == decisions;
        }, describe: () => "every decision to be delivered");
        var completed = clock.Elapsed;

        await using var check = Factory.CreateDbContext();
        var decided = ApprovalEventType.Decided.ToWireName();
        var resolved = ApprovalEventType.Resolved.ToWireName();
        var decidedAt = await check.Events.Where(e => ids.Contains(e.ApprovalId) && e.Type == decided)
            .ToDictionaryAsync(e => e.ApprovalId, e => e.OccurredAt);
        var finalAt = await check.Events.Where(e => ids.Contains(e.ApprovalId) && e.Type == resolved && e.Actor == DeliveryRecorderActor)
            .ToDictionaryAsync(e => e.ApprovalId, e => e.OccurredAt);
        var receivedAt = await ReceivedAtAsync(ids);

        var toDownstream = ids.Select(id => (receivedAt[id] - decidedAt[id]).TotalMilliseconds).Order().ToList();
        var toFinal = ids.Select(id => (finalAt[id] - decidedAt[id]).TotalMilliseconds).Order().ToList();
        var span = (finalAt.Values.Max() - decidedAt.Values.Min()).TotalSeconds;
        var result = new
        {
            decisions,
            clients,
            machine = $"{Environment.ProcessorCount} cores",
            commitToDownstreamMs = new { p50 = Percentile(toDownstream, 50), p90 = Percentile(toDownstream, 90), p99 = Percentile(toDownstream, 99), max = toDownstream[^1] },
            commitToFinalStatusMs = new { p50 = Percentile(toFinal, 50), p99 = Percentile(toFinal, 99), max = toFinal[^1] },
            completedDecisionsPerSecond = Math.Round(decisions / span, 1),
            decisionsSubmittedPerSecond = Math.Round(decisions / submitted.TotalSeconds, 1),
            wallClockSeconds = Math.Round(completed.TotalSeconds, 2),
        };

        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(json);
        var directory = Path.Combine(RepositoryRoot(), "bench", "results");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, $"delivery-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json"), json);
        Assert.Equal(decisions, receivedAt.Count);
    }

    private const string DeliveryRecorderActor = "system:dispatcher";

    private async Task<Dictionary<Guid, DateTimeOffset>> ReceivedAtAsync(Guid[] ids)
    {
        await using var connection = new NpgsqlConnection(UserService.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, first_received_at FROM user_service.received_approvals WHERE id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids);
        await using var reader = await command.ExecuteReaderAsync();
        var result = new Dictionary<Guid, DateTimeOffset>();
        while (await reader.ReadAsync())
        {
            result[reader.GetGuid(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }

        return result;
    }

    private static double Percentile(List<double> sorted, int percentile) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)], 1);

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Approvals.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
