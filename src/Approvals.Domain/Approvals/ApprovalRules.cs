namespace Approvals.Domain;

/// <summary>Field rules shared by create and edit, so an edit can never store what a create would refuse.</summary>
public static class ApprovalRules
{
    public const int TitleMaxLength = 200;
    public const int TextMaxLength = 10_000;
    public const int MaxServiceRules = 20;

    /// <summary>
    /// Every check of a draft's fields that needs nothing but the draft (not the clock, not the database), each
    /// failure added to <paramref name="errors"/>, so that one answer names all of them.
    /// </summary>
    public static void CheckDraft(ApprovalDraft draft, FieldErrors errors)
    {
        CheckTitle(draft.Title, errors);
        CheckDescription(draft.Description, errors);
        CheckComment(draft.Comment, errors);
        CheckServiceRules(draft.ServiceRules, errors);
        if (draft.Stages is { } stages)
        {
            PolicyRules.Check(stages, errors, draft.StagesField);
        }

        if (draft.Deadline is null)
        {
            errors.Add("deadline", "Deadline is required.");
        }

        Escalation.Check(draft.Escalation, draft.OnDeadline, errors);
    }

    public static void CheckTitle(string? title, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            errors.Add("title", "Title is required.");
        }
        else if (title.Length > TitleMaxLength)
        {
            errors.Add("title", $"Title must be at most {TitleMaxLength} characters.");
        }
        else if (HasControlCharacters(title, allowNewlines: false))
        {
            errors.Add("title", "Title must not contain control characters.");
        }
    }

    public static void CheckDescription(string? description, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            errors.Add("description", "Description is required.");
        }
        else
        {
            CheckText("description", description, errors);
        }
    }

    public static void CheckComment(string? comment, FieldErrors errors)
    {
        if (comment is not null)
        {
            CheckText("comment", comment, errors);
        }
    }

    public static void CheckServiceRules(IReadOnlyCollection<int>? serviceRules, FieldErrors errors)
    {
        if (serviceRules is null || serviceRules.Count == 0)
        {
            errors.Add("serviceRules", "At least one service rule is required.");
        }
        else if (serviceRules.Count > MaxServiceRules)
        {
            errors.Add("serviceRules", $"At most {MaxServiceRules} service rules are allowed.");
        }
        else if (serviceRules.Distinct().Count() != serviceRules.Count)
        {
            errors.Add("serviceRules", "Service rules must not repeat.");
        }
        else if (serviceRules.Any(id => id <= 0))
        {
            errors.Add("serviceRules", "Service rule ids are positive integers.");
        }
    }

    /// <summary>A deadline must lie in the future when it is set; it is a semantic (422) error, not a syntax one.</summary>
    public static DomainError? CheckDeadline(DateTimeOffset deadline, DateTimeOffset now) =>
        deadline > now
            ? null
            : new DomainError(ErrorCodes.DeadlineInPast, "The deadline must be in the future.");

    private static void CheckText(string field, string value, FieldErrors errors)
    {
        if (value.Length > TextMaxLength)
        {
            errors.Add(field, $"Must be at most {TextMaxLength} characters.");
        }
        else if (HasControlCharacters(value, allowNewlines: true))
        {
            errors.Add(field, "Must not contain control characters other than tab and newlines.");
        }
    }

    private static bool HasControlCharacters(string value, bool allowNewlines)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && !(allowNewlines && c is '\n' or '\r' or '\t'))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Collects per-field messages before they become one validation error.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            messages = [];
            _errors[field] = messages;
        }

        messages.Add(message);
    }

    public DomainError? ToError() =>
        IsEmpty ? null : DomainError.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
}
