using System.Text.Json;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Approvals.Api.Web;

/// <summary>What one item of a bulk action came to, in words: its title, what happened, and whether it went through.</summary>
public sealed record ItemOutcome(string Title, string Words, bool Done);

/// <summary>
/// What a page tells the person after a form post that redirected (post, redirect, get): kept for the next page in
/// TempData (a short-lived, protected cookie), read once.
/// </summary>
public static class Notices
{
    private const string NoticeKey = "notice";
    private const string OutcomesKey = "outcomes";
    private static readonly string[] Keys = [NoticeKey, OutcomesKey];

    public static void Set(ITempDataDictionary tempData, string notice) => tempData[NoticeKey] = notice;

    public static string? Take(ITempDataDictionary tempData) => tempData[NoticeKey] as string;

    public static void SetOutcomes(ITempDataDictionary tempData, IReadOnlyList<ItemOutcome> outcomes) =>
        tempData[OutcomesKey] = JsonSerializer.Serialize(outcomes, JsonSerializerOptions.Web);

    /// <summary>What the next page will be told, without taking it (to store with a form's submission).</summary>
    public static Dictionary<string, string> Peek(ITempDataDictionary tempData) =>
        Keys.Where(key => tempData.Peek(key) is string).ToDictionary(key => key, key => (string)tempData.Peek(key)!);

    /// <summary>Tells the next page what <paramref name="notices"/> (from <see cref="Peek"/>) say, and nothing else.</summary>
    public static void Restore(ITempDataDictionary tempData, IReadOnlyDictionary<string, string> notices)
    {
        foreach (var key in Keys)
        {
            tempData.Remove(key);
            if (notices.TryGetValue(key, out var value))
            {
                tempData[key] = value;
            }
        }
    }

    public static IReadOnlyList<ItemOutcome> TakeOutcomes(ITempDataDictionary tempData) =>
        tempData[OutcomesKey] is string json ? JsonSerializer.Deserialize<List<ItemOutcome>>(json, JsonSerializerOptions.Web) ?? [] : [];
}
