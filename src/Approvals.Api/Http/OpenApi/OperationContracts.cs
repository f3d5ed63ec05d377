using Approvals.Api.Http.Endpoints;
using Approvals.Domain;
using static Approvals.Domain.ErrorCodes;

namespace Approvals.Api.Http.OpenApi;

/// <summary>
/// Every operation's <see cref="OperationContract"/>, by operation id. The document transformer refuses an operation
/// that has none, so a new route cannot reach the document undescribed; the tests check every response against the
/// document, so a code or header missing here fails the test that provokes it.
/// </summary>
internal static partial class OperationContracts
{
    private static readonly string[] Changes = [AwaitingDelivery, CommentOnly, InvalidTransition];
    private static readonly string[] DraftRules = [DeadlineInPast, InvalidReminders, ServiceRuleUnknown, UnknownApprover, PolicyUnmeetable];
    private static readonly string[] Idempotency = [IdempotencyInProgress, IdempotencyKeyReused];

    private static readonly Dictionary<string, OperationContract> All = new(StringComparer.Ordinal)
    {
        ["CreateApproval"] = new("Open an approval request",
            "Creates a PENDING approval that names its service rules (the downstream services told about its decision), its deadline and, optionally, "
            + "what happens when the deadline passes, reminders, approvers and a voting policy. Answers 201 with the approval, its `Location` and `ETag`. "
            + "With an `Idempotency-Key`, a retry gets the first answer again (`Idempotent-Replayed: true`).")
        {
            Codes = [.. DraftRules, .. Idempotency],
            RequestHeaders = ["Idempotency-Key"],
            SuccessHeaders = new Dictionary<int, string[]> { [201] = ["Location", "ETag", "Idempotent-Replayed"] },
        },
        ["ListApprovals"] = new("List approvals",
            "The approvals the caller may read, filtered and ordered, one page at a time (keyset pagination: pass `nextCursor` back as `cursor`).")
        {
            Parameters = new Dictionary<string, ParameterType> { ["limit"] = ParameterTypes.Limit(ApprovalEndpoints.MaxPageSize, ApprovalEndpoints.DefaultPageSize) },
        },
        ["GetApproval"] = new("Read an approval",
            "One approval with its `ETag` (its version). With `If-None-Match` holding the current version (weak comparison, `*` matches any), "
            + "answers 304 with the `ETag` and no body.")
        {
            Codes = [ApprovalNotFound],
            RequestHeaders = ["If-None-Match"],
            SuccessHeaders = new Dictionary<int, string[]> { [200] = ["ETag"], [304] = ["ETag"] },
        },
        ["PatchApproval"] = new("Edit an approval",
            "A JSON merge patch (RFC 7396) of the approval's editable fields; `null` resets a field that has a default. PENDING and ERROR approvals "
            + "take any field, decided ones only `comment`, and approvals awaiting delivery nothing. `If-Match` makes the change conditional on the version.")
        {
            Codes = [ApprovalNotFound, VersionMismatch, VotesCast, .. Changes, .. DraftRules],
            RequestHeaders = ["If-Match"],
            SuccessHeaders = new Dictionary<int, string[]> { [200] = ["ETag"] },
        },
        ["DecideApproval"] = new("Decide an approval",
            "Approves, rejects or cancels a PENDING (or ERROR) approval. Answers 202 with the approval in its ACKNOWLEDGED state: the decision is "
            + "then delivered to every downstream service (see `webhooks`), after which the approval becomes APPROVED, REJECTED or CANCELLED, or ERROR.")
        {
            Codes = [ApprovalNotFound, VersionMismatch, SelfApprovalForbidden, NotAnApprover, VotesCast, NoApprovers, .. Changes, .. Idempotency],
            RequestHeaders = ["If-Match", "Idempotency-Key"],
            SuccessHeaders = new Dictionary<int, string[]> { [202] = ["Location", "ETag", "Idempotent-Replayed"] },
        },
        ["VoteOnApproval"] = new("Vote on an approval",
            "A named approver's vote in the open stage (or a delegate's, `onBehalfOf` the approver). Answers 200 while the policy is still open, "
            + "202 when this vote decided the approval (which is then delivered as a decision is).")
        {
            Codes = [ApprovalNotFound, VersionMismatch, SelfApprovalForbidden, NotAnApprover, AlreadyVoted, StageClosed, NoApprovers, .. Changes, .. Idempotency],
            RequestHeaders = ["If-Match", "Idempotency-Key"],
            SuccessHeaders = new Dictionary<int, string[]> { [200] = ["ETag", "Idempotent-Replayed"], [202] = ["Location", "ETag", "Idempotent-Replayed"] },
        },
        ["GetApprovalHistory"] = new("Read an approval's history",
            "Every change of the approval, oldest first: who, when, what (old and new values) and the correlation id of the request that made it.")
        {
            Codes = [ApprovalNotFound],
        },
        ["GetStateMachine"] = new("Read the transition table",
            "Every status, and every command each status takes with the status it leads to: the table the service itself runs on."),
        ["GetInbox"] = new("Read the caller's inbox",
            "The approvals waiting for the caller's vote (or a delegator's), by deadline, with counts of the whole inbox (`awaitingMe`, `overdue`) "
            + "and of what the filters let through (`matching`).")
        {
            Parameters = new Dictionary<string, ParameterType> { ["limit"] = ParameterTypes.Limit(InboxEndpoints.MaxPageSize, InboxEndpoints.DefaultPageSize) },
        },
        ["VoteInBulk"] = new("Vote on many approvals",
            "1 to 100 votes, each in its own transaction: one failing does not undo the others. Each item answers with its own status, and its "
            + "problem code or the approval.")
        {
            Codes = [.. Idempotency],
            RequestHeaders = ["Idempotency-Key"],
            SuccessHeaders = new Dictionary<int, string[]> { [200] = ["Idempotent-Replayed"] },
        },
        ["GetEvents"] = new("Read the event feed",
            "Every change as a CloudEvent, in one order, each exactly once along a chain of cursors (`nextCursor` becomes the next `after`). "
            + "`wait` long-polls: with nothing new, the answer waits up to that many seconds for the next event.")
        {
            Codes = [EventsInvalidCursor, EventsCursorExpired],
            Parameters = new Dictionary<string, ParameterType> { ["limit"] = ParameterTypes.Limit(EventEndpoints.MaxLimit, EventEndpoints.DefaultLimit) },
        },
        ["ListDeliveries"] = new("List an approval's deliveries",
            "The delivery jobs of every decision of the approval (one per service rule), with all their attempts.")
        {
            Codes = [ApprovalNotFound],
        },
        ["RetryDelivery"] = new("Retry a failed delivery",
            "Sends a failed job of an ERROR approval's current decision again, now; the approval returns to its ACKNOWLEDGED state. Admins only.")
        {
            Codes = [ApprovalNotFound, DeliveryJobNotFound, DeliveryNotRetryable, ServiceRuleDisabled, .. Changes],
            SuccessHeaders = new Dictionary<int, string[]> { [202] = ["Location", "ETag"] },
        },
        ["GetStatus"] = new("Service status (original API)",
            "The original service's status route: answers while the service runs."),
        ["CreateRequest"] = new("Open an approval request (original API)",
            "The original service's create, with its snake_case shape and integer statuses. The body is read as JSON whatever its `Content-Type` says.")
        {
            Codes = [.. DraftRules],
        },
        ["GetRequest"] = new("Read an approval (original API)",
            "One approval in the original shape, wrapped as the original did.")
        {
            Codes = [ApprovalNotFound],
            Parameters = new Dictionary<string, ParameterType> { ["id"] = ParameterTypes.Uuid("The approval's id.") },
        },
        ["ListRequests"] = new("List approvals (original API)",
            "Approvals in the original shape, newest first; `default=1` includes every status, otherwise only PENDING ones.")
        {
            Parameters = new Dictionary<string, ParameterType>
            {
                ["limit"] = ParameterTypes.Limit(LegacyEndpoints.MaxLimit, LegacyEndpoints.DefaultLimit),
                ["offset"] = new("How many to skip.", () => ParameterTypes.Integer(0, int.MaxValue, 0)),
                ["default"] = new("1: every status; 0 or absent: PENDING only.", () => ParameterTypes.Integer(0, 1, 0)),
            },
        },
        ["UpdateRequest"] = new("Edit or decide an approval (original API)",
            "The original service's update: a new integer `status` decides (3 approve, 4 reject, 5 cancel); the same status edits the other fields.")
        {
            Codes = [ApprovalNotFound, SelfApprovalForbidden, NotAnApprover, VotesCast, NoApprovers, .. Changes, .. DraftRules],
        },
    };

    public static OperationContract? Find(string operationId) =>
        All.TryGetValue(operationId, out var contract) ? contract : People.GetValueOrDefault(operationId);
}
