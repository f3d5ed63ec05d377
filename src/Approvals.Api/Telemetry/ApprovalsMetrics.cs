using System.Diagnostics;
using System.Diagnostics.Metrics;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Telemetry;

/// <summary>
/// The service's own metrics (Meter <c>Approvals</c>; docs/observability.md lists them): decisions by outcome,
/// delivery attempts by outcome and service rule with their duration, and the outbox's backlog and the age of its
/// oldest job. The backlog is read from the database at most once per <see cref="TelemetryOptions.OutboxRefreshInterval"/>,
/// and only when something reads the gauges: a read starts a refresh in the background when the figures are older.
/// </summary>
public sealed partial class ApprovalsMetrics
{
    public const string MeterName = "Approvals";

    /// <summary>Seconds, as OpenTelemetry's HTTP duration histograms have them: webhook calls are HTTP calls.</summary>
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];

    private readonly Counter<long> _decisions;
    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _deliveryDuration;
    private readonly DeliveryJobStore _jobs;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _refreshInterval;
    private readonly ILogger<ApprovalsMetrics> _logger;
    private OutboxBacklog? _backlog;
    private long _backlogReadAt;
    private int _refreshing;

    public ApprovalsMetrics(
        IMeterFactory meters, DeliveryJobStore jobs, TimeProvider clock, IOptions<TelemetryOptions> options, ILogger<ApprovalsMetrics> logger)
    {
        _jobs = jobs;
        _clock = clock;
        _refreshInterval = options.Value.OutboxRefreshInterval;
        _logger = logger;
        var meter = meters.Create(MeterName);
        _decisions = meter.CreateCounter<long>("approvals.decisions", "{decision}",
            "Decisions committed (by people, clients and deadlines), by outcome: approved, rejected or cancelled.");
        _deliveries = meter.CreateCounter<long>("approvals.deliveries", "{attempt}",
            "Webhook delivery attempts made, by outcome (succeeded, transient, permanent) and service rule id.");
        _deliveryDuration = meter.CreateHistogram("approvals.delivery.duration", "s",
            "How long a webhook delivery attempt took, from sending to the answer read, by outcome and service rule id.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        meter.CreateObservableGauge("approvals.outbox.backlog", () => ObserveBacklog(backlog => backlog.OpenJobs), "{job}",
            "Delivery jobs open in the outbox (pending or being sent).");
        meter.CreateObservableGauge("approvals.outbox.oldest_age", () => ObserveBacklog(OldestAgeSeconds), "s",
            "How long the oldest open delivery job has been in the outbox; 0 when it is empty.");
    }

    public static string OutcomeName(AttemptVerdict verdict) => verdict switch
    {
        AttemptVerdict.Succeeded => "succeeded",
        AttemptVerdict.Transient => "transient",
        _ => "permanent",
    };

    /// <summary>Counts <paramref name="decision"/> once <paramref name="unit"/> has committed it (a rolled-back one never was).</summary>
    public void CountOnCommit(UnitOfWork unit, DecisionTaken decision)
    {
        if (_decisions.Enabled)
        {
            var outcome = decision.Decision.PastTense();
            unit.AfterCommit(() => _decisions.Add(1, new KeyValuePair<string, object?>("outcome", outcome)));
        }
    }

    /// <summary>A webhook call made for <paramref name="job"/> and what it came to, also on the attempt's <paramref name="span"/>.</summary>
    public void Attempted(ClaimedJob job, DeliveryAttemptOutcome outcome, Activity? span)
    {
        ApprovalsTelemetry.Finish(span, outcome);
        if (!_deliveries.Enabled && !_deliveryDuration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "outcome", OutcomeName(outcome.Verdict) },
            { "service_rule", job.ServiceRuleId },
        };
        _deliveries.Add(1, tags);
        _deliveryDuration.Record(outcome.Duration.TotalSeconds, tags);
    }

    private IEnumerable<Measurement<T>> ObserveBacklog<T>(Func<OutboxBacklog, T> value)
        where T : struct
    {
        if (_clock.GetElapsedTime(Volatile.Read(ref _backlogReadAt)) >= _refreshInterval || Volatile.Read(ref _backlog) is null)
        {
            RefreshBacklog();
        }

        return Volatile.Read(ref _backlog) is { } backlog ? [new Measurement<T>(value(backlog))] : [];
    }

    private double OldestAgeSeconds(OutboxBacklog backlog) =>
        backlog.OldestCreatedAt is { } oldest ? Math.Max(0, (_clock.GetUtcNow() - oldest).TotalSeconds) : 0;

    /// <summary>Reads the backlog in the background, one read at a time; the gauges show the last figures meanwhile.</summary>
    private void RefreshBacklog()
    {
        if (Interlocked.CompareExchange(ref _refreshing, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var backlog = await _jobs.BacklogAsync(CancellationToken.None);
                Volatile.Write(ref _backlog, backlog);
                Volatile.Write(ref _backlogReadAt, _clock.GetTimestamp());
            }
            catch (Exception exception)
            {
                // The database is unreachable, say: the gauges keep their last figures, and the next read tries again.
                LogBacklogUnread(_logger, exception.GetType().Name, exception.Message);
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox backlog metrics could not be read ({ExceptionType}: {Reason})")]
    private static partial void LogBacklogUnread(ILogger logger, string exceptionType, string reason);
}
