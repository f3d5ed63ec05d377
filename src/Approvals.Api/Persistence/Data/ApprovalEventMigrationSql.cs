using System.Globalization;
using Approvals.Domain;

namespace Approvals.Api.Persistence.Data.Migrations;

/// <summary>
/// The data half of the ApprovalEvents migration: history rows to events and back. Status numbers, status names,
/// event types and history actions all come from the domain, so the SQL holds no enum literal.
/// </summary>
internal static class ApprovalEventMigrationSql
{
    /// <summary>Every history row as the event it recorded, in one statement.</summary>
    public static string CopyHistoryToEvents => $$"""
        WITH status_names (number, name) AS (VALUES {{StatusNames}}),
        decisions (status, decision) AS (VALUES {{Decisions}}),
        moved AS (
            SELECT h.*,
                   row_number() OVER (PARTITION BY h.approval_id ORDER BY h.id) AS sequence,
                   md5(h.id::text || h.approval_id::text) AS random_hex
            FROM approval_history AS h
        )
        INSERT INTO approval_events (position, id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
        SELECT m.id,
               -- A UUIDv7 from the row's time: 48 bits of milliseconds, version 7, variant 10, the rest from a hash.
               (lpad(to_hex(floor(extract(epoch FROM m.at) * 1000)::bigint), 12, '0') || '7'
                || substr(m.random_hex, 1, 3) || to_hex(8 + get_byte(decode(m.random_hex, 'hex'), 2) % 4)
                || substr(m.random_hex, 4, 15))::uuid,
               m.approval_id, m.sequence,
               CASE
                   WHEN m.action = '{{HistoryAction(ApprovalEventType.Created)}}' THEN '{{Wire(ApprovalEventType.Created)}}'
                   WHEN m.action = '{{HistoryAction(ApprovalEventType.Edited)}}' AND m.changes IS NOT NULL
                        AND (SELECT array_agg(k) FROM jsonb_object_keys(m.changes) AS k) = ARRAY['comment']
                       THEN '{{Wire(ApprovalEventType.CommentEdited)}}'
                   WHEN m.action = '{{HistoryAction(ApprovalEventType.Edited)}}' THEN '{{Wire(ApprovalEventType.Edited)}}'
                   WHEN m.action = '{{HistoryAction(ApprovalEventType.Decided)}}' THEN '{{Wire(ApprovalEventType.Decided)}}'
                   WHEN m.action = '{{HistoryAction(ApprovalEventType.Redelivered)}}' THEN '{{Wire(ApprovalEventType.Redelivered)}}'
                   WHEN m.to_status = {{Number(ApprovalStatus.Error)}} THEN '{{Wire(ApprovalEventType.Errored)}}'
                   ELSE '{{Wire(ApprovalEventType.Resolved)}}'
               END,
               m.at, m.actor, m.correlation_id,
               jsonb_build_object(
                   'statusBefore', (SELECT s.name FROM status_names AS s WHERE s.number = m.from_status),
                   'statusAfter', (SELECT s.name FROM status_names AS s WHERE s.number = m.to_status),
                   'changes', coalesce(m.changes, '{}'::jsonb) - 'retriedJob')
               || CASE WHEN m.changes ? 'retriedJob'
                       THEN jsonb_build_object('jobId', m.changes -> 'retriedJob' ->> 'new') ELSE '{}'::jsonb END
               || CASE WHEN m.action = '{{HistoryAction(ApprovalEventType.Decided)}}'
                       THEN jsonb_build_object('decision', (SELECT d.decision FROM decisions AS d WHERE d.status = m.to_status))
                       ELSE '{}'::jsonb END
        FROM moved AS m
        ORDER BY m.id;
        """;

    /// <summary>
    /// The way back: each event as the history row the old code would have written. The ids are the positions, which
    /// the history's identity (GENERATED ALWAYS) accepts only when told to override it. A redelivery's job goes back
    /// to the change the old code recorded it as, <c>retriedJob</c>.
    /// </summary>
    public static string CopyEventsToHistory => $$"""
        WITH status_names (number, name) AS (VALUES {{StatusNames}})
        INSERT INTO approval_history (id, approval_id, at, actor, action, from_status, to_status, changes, correlation_id)
        OVERRIDING SYSTEM VALUE
        SELECT e.position, e.approval_id, e.occurred_at, e.actor,
               CASE e.type {{HistoryActionCases}} END,
               (SELECT s.number FROM status_names AS s WHERE s.name = e.data ->> 'statusBefore'),
               (SELECT s.number FROM status_names AS s WHERE s.name = e.data ->> 'statusAfter'),
               nullif(coalesce(e.data -> 'changes', '{}'::jsonb)
                      || CASE WHEN e.type = '{{Wire(ApprovalEventType.Redelivered)}}' AND e.data ? 'jobId'
                              THEN jsonb_build_object('retriedJob',
                                       jsonb_build_object('old', 'null'::jsonb, 'new', e.data -> 'jobId'))
                              ELSE '{}'::jsonb END,
                      '{}'::jsonb),
               e.correlation_id
        FROM approval_events AS e
        WHERE e.type NOT IN ('{{Wire(ApprovalEventType.DeliverySucceeded)}}', '{{Wire(ApprovalEventType.DeliveryFailed)}}')
        ORDER BY e.position;
        """;

    private static string StatusNames => string.Join(", ",
        ApprovalStatusNames.All.Select(s => $"({Number(s)}::smallint, '{s.ToWireName()}')"));

    private static string Decisions => string.Join(", ", Enum.GetValues<Decision>().Select(d =>
        $"({Number(ApprovalStateMachine.Evaluate(ApprovalStatus.Pending, d.ToCommand()).Target!.Value)}::smallint, '{d.ToString().ToLowerInvariant()}')"));

    private static string HistoryActionCases => string.Join(" ",
        ApprovalEventTypes.All.Select(t => $"WHEN '{Wire(t)}' THEN '{HistoryAction(t)}'"));

    private static string Number(ApprovalStatus status) => ((short)status).ToString(CultureInfo.InvariantCulture);

    private static string Wire(ApprovalEventType type) => type.ToWireName();

    private static string HistoryAction(ApprovalEventType type) => type.ToHistoryAction();
}
