using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>One field's messages, rendered next to it (Pages/Shared/_FieldError.cshtml) and named by its input's aria-describedby.</summary>
public sealed record FieldError(string Field, IReadOnlyList<string> Messages)
{
    public string Id => $"{Field}-error";

    /// <summary>The value for the input's <c>aria-describedby</c>: null when the field has no error.</summary>
    public string? DescribedBy => Messages.Count == 0 ? null : Id;

    public bool Invalid => Messages.Count > 0;
}

/// <summary>
/// What a form shows after a refused post: the words for the whole form and each field's messages, from the same
/// <see cref="DomainError"/> the API would answer with (the same rules, the same field names).
/// </summary>
public sealed class FormErrors
{
    private readonly IReadOnlyDictionary<string, string[]> _fields;

    private FormErrors(string? summary, IReadOnlyDictionary<string, string[]> fields) => (Summary, _fields) = (summary, fields);

    public static FormErrors None { get; } = new(null, new Dictionary<string, string[]>());

    public string? Summary { get; }

    public bool Any => Summary is not null;

    public static FormErrors From(DomainError error) =>
        new(ProblemWords.For(error), error.FieldErrors ?? new Dictionary<string, string[]>());

    /// <summary>
    /// As <see cref="From(DomainError)"/>; and an error that names no field of its own but is about one field of this
    /// form (<paramref name="fieldOfCode"/>: a deadline in the past is the deadline's, an unknown approver the
    /// approvers') is shown next to that field.
    /// </summary>
    public static FormErrors From(DomainError error, IReadOnlyDictionary<string, string> fieldOfCode) =>
        error.FieldErrors is not { Count: > 0 } && fieldOfCode.TryGetValue(error.Code, out var field)
            ? new(ProblemWords.FieldsNeedAttention, new Dictionary<string, string[]> { [field] = [ProblemWords.For(error)] })
            : From(error);

    public static FormErrors Message(string summary) => new(summary, new Dictionary<string, string[]>());

    /// <summary>The messages of <paramref name="field"/> and of its nested fields (<c>stages[0].policy</c> under <c>stages</c>).</summary>
    public FieldError Field(string field) => new(field, [.. _fields
        .Where(e => e.Key == field || e.Key.StartsWith(field + ".", StringComparison.Ordinal) || e.Key.StartsWith(field + "[", StringComparison.Ordinal))
        .SelectMany(e => e.Value)]);
}
