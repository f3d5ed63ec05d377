namespace Approvals.Domain;

/// <summary>How a failure is classified (each error code has one, <see cref="ErrorCodes.KindOf"/>); the API maps each kind to one HTTP status.</summary>
public enum ErrorKind
{
    Validation,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    Unprocessable,
    Unavailable,

    /// <summary>Existed once, but is no longer served (an event feed cursor older than the retention window).</summary>
    Gone,
}

/// <summary>A named, expected failure. <see cref="Code"/> is stable and part of the API contract; its kind follows from it.</summary>
public sealed record DomainError(string Code, string Message)
{
    public ErrorKind Kind => ErrorCodes.KindOf(Code);

    /// <summary>Per-field messages for validation failures, keyed by the field's JSON name.</summary>
    public IReadOnlyDictionary<string, string[]>? FieldErrors { get; init; }

    public static DomainError Validation(IReadOnlyDictionary<string, string[]> fieldErrors) =>
        new(ErrorCodes.ValidationFailed, "One or more fields are invalid.") { FieldErrors = fieldErrors };

    public static DomainError Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>Every error code the service emits. Clients match on these strings.</summary>
public static class ErrorCodes
{
    public const string MalformedJson = "request.malformed_json";
    public const string ValidationFailed = "request.validation_failed";
    public const string PayloadTooLarge = "request.too_large";
    public const string UnsupportedMediaType = "request.unsupported_media_type";
    public const string MethodNotAllowed = "request.method_not_allowed";
    public const string UnknownQueryParameter = "request.unknown_query_parameter";
    public const string RouteNotFound = "route.not_found";
    public const string Unauthenticated = "auth.unauthenticated";
    public const string Forbidden = "auth.forbidden";
    public const string InvalidCredentials = "auth.invalid_credentials";
    public const string PasswordChangeRequired = "auth.password_change_required";
    public const string WrongPassword = "auth.wrong_password";
    public const string RateLimited = "rate_limit.exceeded";
    public const string ApprovalNotFound = "approval.not_found";
    public const string AwaitingDelivery = "approval.awaiting_delivery";
    public const string CommentOnly = "approval.comment_only";
    public const string InvalidTransition = "approval.invalid_transition";
    public const string VersionMismatch = "approval.version_mismatch";
    public const string DeadlineInPast = "approval.deadline_in_past";
    public const string InvalidReminders = "approval.invalid_reminders";
    public const string SelfApprovalForbidden = "approval.self_approval_forbidden";
    public const string NotAnApprover = "approval.not_an_approver";
    public const string AlreadyVoted = "approval.already_voted";
    public const string NoApprovers = "approval.no_approvers";
    public const string VotesCast = "approval.votes_cast";
    public const string UnknownApprover = "approval.unknown_approver";
    public const string PolicyUnmeetable = "approval.policy_unmeetable";
    public const string StageClosed = "approval.stage_closed";
    public const string ServiceRuleUnknown = "service_rule.unknown";
    public const string ServiceRuleNotFound = "service_rule.not_found";
    public const string ServiceRuleInUse = "service_rule.in_use";
    public const string ServiceRuleNameTaken = "service_rule.name_taken";
    public const string ServiceRuleUrlForbidden = "service_rule.url_forbidden";
    public const string ServiceRuleDisabled = "service_rule.disabled";
    public const string ApiClientNotFound = "api_client.not_found";
    public const string ApiClientNameTaken = "api_client.name_taken";
    public const string UserNotFound = "user.not_found";
    public const string UsernameTaken = "user.username_taken";
    public const string UnknownUsers = "user.unknown";
    public const string UserSelfLockout = "user.self_lockout";
    public const string GroupNotFound = "group.not_found";
    public const string GroupNameTaken = "group.name_taken";
    public const string UnknownGroups = "group.unknown";
    public const string DelegationNotFound = "delegation.not_found";
    public const string DelegationToSelf = "delegation.to_self";
    public const string DelegationUnknownUser = "delegation.unknown_user";
    public const string DelegationChain = "delegation.chain";
    public const string DelegationCycle = "delegation.cycle";
    public const string IdempotencyKeyReused = "idempotency.key_reused";
    public const string IdempotencyInProgress = "idempotency.in_progress";
    public const string DeliveryJobNotFound = "delivery.job_not_found";
    public const string DeliveryNotRetryable = "delivery.not_retryable";
    public const string EventsInvalidCursor = "events.invalid_cursor";
    public const string EventsCursorExpired = "events.cursor_expired";

    // Why a delivery failed, as stored in an approval's lastError (and a failed job's error).
    public const string DeliveryInvalidUrl = "delivery.invalid_url";
    public const string DeliveryRejected = "delivery.rejected";
    public const string DeliveryBadResponse = "delivery.bad_response";
    public const string DeliveryRetriesExhausted = "delivery.retries_exhausted";
    public const string DeliveryTargetsDisagree = "delivery.targets_disagree";
    public const string DeliveryPoisoned = "delivery.poisoned";
    public const string DeliveryUrlForbidden = "delivery.url_forbidden";
    public const string DeliveryRuleDisabled = "delivery.rule_disabled";
    public const string ServiceUnavailable = "service.unavailable";
    public const string Internal = "server.internal_error";

    /// <summary>
    /// The kind of every code a <see cref="DomainError"/> may carry, written once: errors take it from here, and the
    /// API derives each code's HTTP status from it (the response and the OpenAPI document alike). The codes that only
    /// the HTTP layer raises (a body too large, a rate limit, an unexpected failure) and the delivery outcomes have none.
    /// </summary>
    private static readonly Dictionary<string, ErrorKind> Kinds = new(StringComparer.Ordinal)
    {
        [MalformedJson] = ErrorKind.Validation,
        [ValidationFailed] = ErrorKind.Validation,
        [UnknownQueryParameter] = ErrorKind.Validation,
        [EventsInvalidCursor] = ErrorKind.Validation,
        [Unauthenticated] = ErrorKind.Unauthenticated,
        [InvalidCredentials] = ErrorKind.Unauthenticated,
        [Forbidden] = ErrorKind.Forbidden,
        [PasswordChangeRequired] = ErrorKind.Forbidden,
        [SelfApprovalForbidden] = ErrorKind.Forbidden,
        [NotAnApprover] = ErrorKind.Forbidden,
        [RouteNotFound] = ErrorKind.NotFound,
        [ApprovalNotFound] = ErrorKind.NotFound,
        [DeliveryJobNotFound] = ErrorKind.NotFound,
        [ServiceRuleNotFound] = ErrorKind.NotFound,
        [ApiClientNotFound] = ErrorKind.NotFound,
        [UserNotFound] = ErrorKind.NotFound,
        [GroupNotFound] = ErrorKind.NotFound,
        [DelegationNotFound] = ErrorKind.NotFound,
        [AwaitingDelivery] = ErrorKind.Conflict,
        [CommentOnly] = ErrorKind.Conflict,
        [InvalidTransition] = ErrorKind.Conflict,
        [AlreadyVoted] = ErrorKind.Conflict,
        [NoApprovers] = ErrorKind.Conflict,
        [VotesCast] = ErrorKind.Conflict,
        [StageClosed] = ErrorKind.Conflict,
        [ServiceRuleInUse] = ErrorKind.Conflict,
        [ServiceRuleNameTaken] = ErrorKind.Conflict,
        [ServiceRuleDisabled] = ErrorKind.Conflict,
        [ApiClientNameTaken] = ErrorKind.Conflict,
        [UsernameTaken] = ErrorKind.Conflict,
        [UserSelfLockout] = ErrorKind.Conflict,
        [GroupNameTaken] = ErrorKind.Conflict,
        [IdempotencyInProgress] = ErrorKind.Conflict,
        [DeliveryNotRetryable] = ErrorKind.Conflict,
        [EventsCursorExpired] = ErrorKind.Gone,
        [VersionMismatch] = ErrorKind.PreconditionFailed,
        [DeadlineInPast] = ErrorKind.Unprocessable,
        [InvalidReminders] = ErrorKind.Unprocessable,
        [UnknownApprover] = ErrorKind.Unprocessable,
        [PolicyUnmeetable] = ErrorKind.Unprocessable,
        [ServiceRuleUnknown] = ErrorKind.Unprocessable,
        [ServiceRuleUrlForbidden] = ErrorKind.Unprocessable,
        [UnknownUsers] = ErrorKind.Unprocessable,
        [UnknownGroups] = ErrorKind.Unprocessable,
        [WrongPassword] = ErrorKind.Unprocessable,
        [DelegationToSelf] = ErrorKind.Unprocessable,
        [DelegationUnknownUser] = ErrorKind.Unprocessable,
        [DelegationChain] = ErrorKind.Unprocessable,
        [DelegationCycle] = ErrorKind.Unprocessable,
        [IdempotencyKeyReused] = ErrorKind.Unprocessable,
        [ServiceUnavailable] = ErrorKind.Unavailable,
    };

    /// <summary>The kind of <paramref name="code"/>; throws for a code without one (a programming error).</summary>
    public static ErrorKind KindOf(string code) =>
        TryKindOf(code, out var kind) ? kind : throw new ArgumentException($"The error code '{code}' has no kind.", nameof(code));

    public static bool TryKindOf(string code, out ErrorKind kind) => Kinds.TryGetValue(code, out kind);
}
