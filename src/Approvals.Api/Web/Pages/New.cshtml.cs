using System.Globalization;
using Approvals.Api.Auth;
using Approvals.Api.Contracts;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages;

/// <summary>
/// The form that creates a request: it builds the same draft as <c>POST /api/v1/approvals</c> and calls the same use
/// case (<see cref="ApprovalCreation"/>), so its errors are the API's, under the API's field names, shown next to the
/// fields with what the person entered kept. Only people with the create right reach it (WebSetup).
/// </summary>
[InUnitOfWork]
public sealed class NewModel(ApprovalCreation creation, ServiceRuleChoices serviceRules) : PageModel
{
    /// <summary>The deadline actions the form offers (escalating needs more than one form).</summary>
    public static readonly IReadOnlyList<DeadlineAction> OfferedActions = [DeadlineAction.None, DeadlineAction.Reject, DeadlineAction.Cancel];

    /// <summary>The refusals that name no field but are about one of the form's.</summary>
    private static readonly Dictionary<string, string> FieldOfCode = new(StringComparer.Ordinal)
    {
        [ErrorCodes.DeadlineInPast] = "deadline",
        [ErrorCodes.UnknownApprover] = "approvers",
        [ErrorCodes.ServiceRuleUnknown] = "serviceRules",
    };

    /// <summary>A time zone's offset from UTC is within ±14 hours.</summary>
    private const int MaxOffsetMinutes = 14 * 60;

    [BindProperty]
    public string? Title { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    [BindProperty]
    public string? Comment { get; set; }

    /// <summary>As a <c>datetime-local</c> input sends it: <c>2026-12-24T17:00</c>, in the person's time.</summary>
    [BindProperty]
    public string? Deadline { get; set; }

    /// <summary>Minutes east of UTC of the person's time zone at the deadline (set by new-request.js); empty: UTC.</summary>
    [BindProperty]
    public string? DeadlineOffset { get; set; }

    [BindProperty]
    public string[]? ServiceRules { get; set; }

    /// <summary>Comma-separated: <c>bob, group:finance, role:approver</c> (a bare name is a user).</summary>
    [BindProperty]
    public string? Approvers { get; set; }

    [BindProperty]
    public string? Policy { get; set; } = "any";

    [BindProperty]
    public string? PolicyCount { get; set; }

    [BindProperty]
    public string? OnDeadline { get; set; }

    public IReadOnlyList<ServiceRuleChoice> Rules { get; private set; } = [];

    public FormErrors Errors { get; private set; } = FormErrors.None;

    public bool IsChosen(int rule) => ServiceRules?.Contains(rule.ToString(CultureInfo.InvariantCulture)) == true;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadRulesAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (draft, invalid) = ReadForm();
        var result = invalid ?? await creation.CreateAsync(draft!, Caller.From(HttpContext), cancellationToken);
        if (result.Error is { } error)
        {
            Errors = FormErrors.From(error, FieldOfCode);
            Response.StatusCode = Problems.StatusFor(error.Kind);
            await LoadRulesAsync(cancellationToken);
            return Page();
        }

        Notices.Set(TempData, $"Your request “{result.Value!.Title}” was created.");
        return LocalRedirect("/mine");
    }

    private async Task LoadRulesAsync(CancellationToken cancellationToken) =>
        Rules = [.. (await serviceRules.ListAsync(cancellationToken)).Where(r => r.Enabled)];

    /// <summary>
    /// The draft the form describes, built as the API endpoint builds it from JSON; what cannot be read as a value
    /// (a date, a number, an action) is a validation error of its field, as a wrong JSON type is for the API.
    /// </summary>
    private (ApprovalDraft? Draft, DomainError? Invalid) ReadForm()
    {
        var errors = new FieldErrors();
        var deadline = ReadDeadline(errors);
        var rules = ReadServiceRules(errors);
        DeadlineAction? onDeadline = null;
        if (!string.IsNullOrEmpty(OnDeadline))
        {
            if (DeadlineActions.TryParse(OnDeadline, out var action) && OfferedActions.Contains(action))
            {
                onDeadline = action;
            }
            else
            {
                errors.Add("onDeadline", "Choose one of the listed actions.");
            }
        }

        var approvers = ReadApprovers();
        var (stages, stagesField) = PolicyContracts.ToStages(approvers, ReadPolicy(approvers is not null, errors), null, errors);
        if (errors.ToError() is { } invalid)
        {
            return (null, invalid);
        }

        return (new ApprovalDraft(Title, Description, deadline, string.IsNullOrEmpty(Comment) ? null : Comment, rules, onDeadline,
            Stages: stages, StagesField: stagesField), null);
    }

    private DateTimeOffset? ReadDeadline(FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(Deadline))
        {
            return null; // the domain's "required"
        }

        var offsetMinutes = 0;
        if (!string.IsNullOrEmpty(DeadlineOffset)
            && !(int.TryParse(DeadlineOffset, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out offsetMinutes)
                && Math.Abs(offsetMinutes) <= MaxOffsetMinutes))
        {
            errors.Add("deadline", "The time zone sent with the deadline is not valid; reload the page and try again.");
            return null;
        }

        if (DateTime.TryParseExact(Deadline.Trim(), ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFF"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            && local.Ticks - TimeSpan.FromMinutes(offsetMinutes).Ticks is var utcTicks && utcTicks >= 0 && utcTicks <= DateTime.MaxValue.Ticks)
        {
            return new DateTimeOffset(local, TimeSpan.FromMinutes(offsetMinutes));
        }

        errors.Add("deadline", "Enter a date and time, such as 2026-12-24 17:00.");
        return null;
    }

    private List<int>? ReadServiceRules(FieldErrors errors)
    {
        var rules = new List<int>();
        foreach (var value in ServiceRules ?? [])
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                rules.Add(id);
            }
            else
            {
                errors.Add("serviceRules", "Choose service rules from the list.");
                return null;
            }
        }

        return rules;
    }

    /// <summary>The approvers as the API's entries; null when none are named (the request then has no policy).</summary>
    private ApproverSpec[]? ReadApprovers()
    {
        var names = (Approvers ?? "").Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return names.Length == 0 ? null : [.. names.Select(ToSpec)];

        static ApproverSpec ToSpec(string name) =>
            name.StartsWith("group:", StringComparison.Ordinal) ? new ApproverSpec(Group: name["group:".Length..].Trim())
            : name.StartsWith("role:", StringComparison.Ordinal) ? new ApproverSpec(Role: name["role:".Length..].Trim())
            : name.StartsWith("user:", StringComparison.Ordinal) ? new ApproverSpec(User: name["user:".Length..].Trim())
            : new ApproverSpec(User: name);
    }

    /// <summary>
    /// The policy as the API's entry. Without approvers the form's default (any one) means "no policy"; choosing all or
    /// a count without approvers is sent, so the API's rule ("a policy needs approvers") answers it.
    /// </summary>
    private PolicySpec? ReadPolicy(bool hasApprovers, FieldErrors errors)
    {
        var mode = string.IsNullOrEmpty(Policy) ? "any" : Policy;
        if (!hasApprovers && mode == "any")
        {
            return null;
        }

        int? count = null;
        if (mode == "atLeast" && !string.IsNullOrWhiteSpace(PolicyCount))
        {
            if (int.TryParse(PolicyCount.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                count = number;
            }
            else
            {
                errors.Add("policy.count", "Enter how many approvals are needed, as a whole number.");
            }
        }

        return new PolicySpec(mode, count);
    }
}
