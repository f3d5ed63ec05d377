using Approvals.Domain;

namespace Approvals.Api.Http.OpenApi;

/// <summary>
/// What the OpenAPI document says about one operation beyond what the generator reads from its handler: what it is
/// for, the problem codes it can answer with (their statuses follow from <see cref="ProblemCodes.StatusOf"/>), the
/// conditional and idempotency headers it reads, the headers each success carries, and its parameters' real types
/// (handlers bind strings and parse them themselves, so that bad input gets a 400 naming the field).
/// </summary>
internal sealed record OperationContract(string Summary, string Description)
{
    /// <summary>The problem codes of this operation besides those every operation of its kind can answer with.</summary>
    public string[] Codes { get; init; } = [];

    /// <summary>Request headers: names of <see cref="Headers"/> entries the operation reads.</summary>
    public string[] RequestHeaders { get; init; } = [];

    /// <summary>Headers each success status carries, by status.</summary>
    public IReadOnlyDictionary<int, string[]> SuccessHeaders { get; init; } = new Dictionary<int, string[]>();

    /// <summary>Parameter types by parameter name, where the name alone does not say it (<see cref="ParameterTypes"/>).</summary>
    public IReadOnlyDictionary<string, ParameterType> Parameters { get; init; } = new Dictionary<string, ParameterType>();

    /// <summary>Whether the path's <c>{id}</c> is a UUID (approvals, API clients) rather than an integer (service rules).</summary>
    public bool IntegerId { get; init; }
}

/// <summary>A parameter's schema and meaning.</summary>
internal sealed record ParameterType(string Description, Func<Microsoft.OpenApi.OpenApiSchema> Schema)
{
    public bool CommaSeparated { get; init; }
}

/// <summary>The statuses of the problem codes: the one status each code is always answered with.</summary>
internal static class ProblemCodes
{
    private static readonly Dictionary<string, int> Statuses = new(StringComparer.Ordinal)
    {
        [ErrorCodes.MalformedJson] = 400,
        [ErrorCodes.ValidationFailed] = 400,
        [ErrorCodes.UnknownQueryParameter] = 400,
        [ErrorCodes.EventsInvalidCursor] = 400,
        [ErrorCodes.Unauthenticated] = 401,
        [ErrorCodes.InvalidCredentials] = 401,
        [ErrorCodes.Forbidden] = 403,
        [ErrorCodes.PasswordChangeRequired] = 403,
        [ErrorCodes.SelfApprovalForbidden] = 403,
        [ErrorCodes.NotAnApprover] = 403,
        [ErrorCodes.RouteNotFound] = 404,
        [ErrorCodes.ApprovalNotFound] = 404,
        [ErrorCodes.DeliveryJobNotFound] = 404,
        [ErrorCodes.ServiceRuleNotFound] = 404,
        [ErrorCodes.ApiClientNotFound] = 404,
        [ErrorCodes.UserNotFound] = 404,
        [ErrorCodes.GroupNotFound] = 404,
        [ErrorCodes.DelegationNotFound] = 404,
        [ErrorCodes.AwaitingDelivery] = 409,
        [ErrorCodes.CommentOnly] = 409,
        [ErrorCodes.InvalidTransition] = 409,
        [ErrorCodes.AlreadyVoted] = 409,
        [ErrorCodes.NoApprovers] = 409,
        [ErrorCodes.VotesCast] = 409,
        [ErrorCodes.StageClosed] = 409,
        [ErrorCodes.ServiceRuleInUse] = 409,
        [ErrorCodes.ServiceRuleNameTaken] = 409,
        [ErrorCodes.ServiceRuleDisabled] = 409,
        [ErrorCodes.ApiClientNameTaken] = 409,
        [ErrorCodes.UsernameTaken] = 409,
        [ErrorCodes.UserSelfLockout] = 409,
        [ErrorCodes.GroupNameTaken] = 409,
        [ErrorCodes.IdempotencyInProgress] = 409,
        [ErrorCodes.DeliveryNotRetryable] = 409,
        [ErrorCodes.EventsCursorExpired] = 410,
        [ErrorCodes.VersionMismatch] = 412,
        [ErrorCodes.PayloadTooLarge] = 413,
        [ErrorCodes.UnsupportedMediaType] = 415,
        [ErrorCodes.DeadlineInPast] = 422,
        [ErrorCodes.InvalidReminders] = 422,
        [ErrorCodes.UnknownApprover] = 422,
        [ErrorCodes.PolicyUnmeetable] = 422,
        [ErrorCodes.ServiceRuleUnknown] = 422,
        [ErrorCodes.ServiceRuleUrlForbidden] = 422,
        [ErrorCodes.UnknownUsers] = 422,
        [ErrorCodes.UnknownGroups] = 422,
        [ErrorCodes.WrongPassword] = 422,
        [ErrorCodes.DelegationToSelf] = 422,
        [ErrorCodes.DelegationUnknownUser] = 422,
        [ErrorCodes.DelegationChain] = 422,
        [ErrorCodes.DelegationCycle] = 422,
        [ErrorCodes.IdempotencyKeyReused] = 422,
        [ErrorCodes.RateLimited] = 429,
        [ErrorCodes.Internal] = 500,
        [ErrorCodes.ServiceUnavailable] = 503,
    };

    public static int StatusOf(string code) =>
        Statuses.TryGetValue(code, out var status) ? status : throw new InvalidOperationException($"No status is known for the problem code '{code}'.");
}
