using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Web;

/// <summary>
/// One submission of a page's form, so that posting it twice (a double click, a resent request) does its work once,
/// as an <c>Idempotency-Key</c> does for the API, and in the same table. Every post form carries a fresh submission id
/// (<see cref="SubmissionIdTagHelper"/>); <see cref="InUnitOfWorkAttribute"/> looks the submission up before the
/// handler runs, and stores where the first post redirected, with its notice, in the post's own transaction. A repeat
/// gets that redirect and notice instead of running again; a repeat that ran at the same time loses at the store and is
/// rolled back. The key is the id and the form's fields, so a form sent back with other values (the browser's Back,
/// an edit, a new post) is a new submission.
/// </summary>
internal sealed class FormSubmission
{
    public const string FieldName = "__SubmissionId";

    private const string AntiforgeryFieldName = "__RequestVerificationToken";

    private readonly string _caller;
    private readonly string _key;
    private readonly string _requestHash;
    private readonly UnitOfWork _unit;
    private readonly ITempDataDictionary _tempData;
    private readonly IdempotencyOptions _options;
    private readonly TimeProvider _clock;

    private FormSubmission(string caller, string key, string requestHash, HttpContext http, ITempDataDictionary tempData)
    {
        (_caller, _key, _requestHash, _tempData) = (caller, key, requestHash, tempData);
        _unit = http.RequestServices.GetRequiredService<UnitOfWork>();
        _options = http.RequestServices.GetRequiredService<IOptions<IdempotencyOptions>>().Value;
        _clock = http.RequestServices.GetRequiredService<TimeProvider>();
    }

    /// <summary>
    /// The post's submission, answering in the request's unit of work and notices (<paramref name="tempData"/>); null
    /// when its form carries none. Or that its submission id is no id (to refuse with 400).
    /// </summary>
    public static async Task<(FormSubmission? Submission, bool Invalid)> ReadAsync(HttpContext http, ITempDataDictionary tempData)
    {
        if (!http.Request.HasFormContentType)
        {
            return (null, false);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (!form.TryGetValue(FieldName, out var ids))
        {
            return (null, false);
        }

        if (ids.Count != 1 || !Guid.TryParse(ids[0], out var id))
        {
            return (null, true);
        }

        var request = new StringBuilder().Append(http.Request.Path.Value).Append(http.Request.QueryString.Value);
        foreach (var (name, values) in form.Where(f => f.Key is not (FieldName or AntiforgeryFieldName)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            request.Append('\n').Append(name).Append('=').AppendJoin('\u001f', values.AsEnumerable());
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request.ToString())));
        return (new(Caller.From(http).Actor, $"web-form:{id:N}:{hash[..32]}", hash, http, tempData), false);
    }

    /// <summary>Where the first post of this submission redirected, with its notice, while the key holds; else null.</summary>
    public async Task<IActionResult?> EarlierAnswerAsync()
    {
        var stored = await IdempotencyStore.FindAsync(_unit, _caller, _key, CancellationToken.None);
        if (stored is not { Location: { } location, StatusCode: not null } || stored.RequestHash != _requestHash || !_options.Holds(stored, _clock.GetUtcNow()))
        {
            return null;
        }

        Notices.Restore(_tempData, stored.ResponseBody is { } notices ? JsonSerializer.Deserialize<Dictionary<string, string>>(notices) ?? [] : []);
        return new LocalRedirectResult(location);
    }

    /// <summary>
    /// Stores where this post redirected and the notice it left, in the unit's transaction. False when a post of the
    /// same submission stored its answer first: this one's work must be rolled back, and that answer given.
    /// </summary>
    public Task<bool> RecordAsync(LocalRedirectResult redirect)
    {
        var now = _clock.GetUtcNow();
        return IdempotencyStore.StoreAsync(
            _unit,
            new IdempotencyRecord
            {
                Caller = _caller,
                Key = _key,
                RequestHash = _requestHash,
                StatusCode = StatusCodes.Status302Found,
                Location = redirect.Url,
                ResponseBody = JsonSerializer.Serialize(Notices.Peek(_tempData)),
            },
            now,
            _options.ExpiredBefore(now),
            _options.AbandonedBefore(now),
            CancellationToken.None);
    }
}

/// <summary>Gives every post form of the pages a fresh submission id (<see cref="FormSubmission"/>).</summary>
[HtmlTargetElement("form", Attributes = "method")]
public sealed class SubmissionIdTagHelper : TagHelper
{
    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (output.Attributes.TryGetAttribute("method", out var method) && string.Equals(method.Value?.ToString(), "post", StringComparison.OrdinalIgnoreCase))
        {
            output.PostContent.AppendHtml($"<input type=\"hidden\" name=\"{FormSubmission.FieldName}\" value=\"{Guid.NewGuid():N}\">");
        }
    }
}
