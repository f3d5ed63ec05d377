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

/// <summary>
/// The statuses of the problem codes: the one status each code is always answered with. A code with a kind takes its
/// kind's status (<see cref="ErrorCodes.KindOf"/>, <see cref="Problems.StatusFor"/>); the few that only the HTTP layer
/// raises are listed here.
/// </summary>
internal static class ProblemCodes
{
    private static readonly Dictionary<string, int> HttpOnlyStatuses = new(StringComparer.Ordinal)
    {
        [ErrorCodes.PayloadTooLarge] = StatusCodes.Status413PayloadTooLarge,
        [ErrorCodes.UnsupportedMediaType] = StatusCodes.Status415UnsupportedMediaType,
        [ErrorCodes.RateLimited] = StatusCodes.Status429TooManyRequests,
        [ErrorCodes.Internal] = StatusCodes.Status500InternalServerError,
    };

    public static int StatusOf(string code) =>
        ErrorCodes.TryKindOf(code, out var kind) ? Problems.StatusFor(kind)
        : HttpOnlyStatuses.TryGetValue(code, out var status) ? status
        : throw new InvalidOperationException($"No status is known for the problem code '{code}'.");
}
