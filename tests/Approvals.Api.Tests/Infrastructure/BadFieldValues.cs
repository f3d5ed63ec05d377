using System.Text.Json.Nodes;
using Approvals.Domain;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>What a field of a request body holds, which decides the bad values it is sent.</summary>
public enum FieldKind
{
    Title, Text, OptionalText, Deadline, RuleList, Rule, Decision, LegacyId, LegacyStatus, Name, Url, ApiKey, Timeout, Delays, Flag,
    Username, RoleList, GroupList, GroupName, MemberList, DeadlineAction, Reminders,
}

/// <summary>The bad values of the corpus, per kind of field: wrong JSON types, and well-typed values the rules refuse.</summary>
public static class BadFieldValues
{
    private const string Invalid = ErrorCodes.ValidationFailed;

    /// <summary>Well-typed values the field must refuse, with the answer each gets.</summary>
    public static IEnumerable<(JsonNode? Value, int Status, string Code)> For(FieldKind kind, CorpusTargets t)
    {
        (JsonNode?, int, string) Bad(JsonNode? value) => (value, 400, Invalid);
        string[] controls = ["a\u0000b", "bell\u0007", "\u001b[31mred", "\u007f", "nel\u0085"];
        return kind switch
        {
            FieldKind.Title => [.. new[] { "", "   ", new string('x', 201), new string('x', 60_000), "line\nbreak", "tab\there" }.Concat(controls).Select(v => Bad(v))],
            FieldKind.Text => [.. new[] { "", " \n ", new string('x', 10_001) }.Concat(controls).Select(v => Bad(v))],
            FieldKind.OptionalText => [.. new[] { new string('x', 10_001) }.Concat(controls).Select(v => Bad(v))],
            FieldKind.Deadline =>
            [
                .. new[] { "tomorrow", "", "2026-02-30T00:00:00Z", "2030-01-01T25:00:00Z", "30/12/2030", "2030-01-01T00:00:00Z\u0000" }.Select(v => Bad(v)),
                ("2000-01-01T00:00:00Z", 422, ErrorCodes.DeadlineInPast), ("0001-01-01T00:00:00Z", 422, ErrorCodes.DeadlineInPast),
                (t.Now.AddMinutes(-1).ToString("O"), 422, ErrorCodes.DeadlineInPast),
            ],
            FieldKind.RuleList =>
            [
                Bad(new JsonArray()), Bad(new JsonArray(0)), Bad(new JsonArray(-1)), Bad(new JsonArray(t.UsedRuleId, t.UsedRuleId)),
                Bad(new JsonArray([.. Enumerable.Range(1, 21).Select(i => JsonValue.Create(i))])),
                (new JsonArray(int.MaxValue), 422, ErrorCodes.ServiceRuleUnknown), (new JsonArray(t.DisabledRuleId), 422, ErrorCodes.ServiceRuleUnknown),
            ],
            FieldKind.Rule => [Bad(0), Bad(-1), (int.MaxValue, 422, ErrorCodes.ServiceRuleUnknown), (t.DisabledRuleId, 422, ErrorCodes.ServiceRuleUnknown)],
            FieldKind.Decision => [.. new[] { "", "approved", "yes", "3", "approve\u0000" }.Select(v => Bad(v))],
            FieldKind.LegacyId => [.. new[] { "", "x", "123", "00000000-0000-0000-0000-00000000000g" }.Select(v => Bad(v)), (BadRequestCorpus.UnknownApproval, 404, ErrorCodes.ApprovalNotFound)],
            FieldKind.LegacyStatus => [Bad(9), Bad(-1), Bad(100), Bad(int.MaxValue), .. new[] { 1, 6, 7, 8 }.Select(s => ((JsonNode?)s, 409, ErrorCodes.InvalidTransition))],
            FieldKind.Name => [.. new[] { "", "   ", new string('n', 101), "a\u0000b", "tab\tname" }.Select(v => Bad(v)), (t.UsedRuleName, 409, ErrorCodes.ServiceRuleNameTaken)],
            FieldKind.Url => [.. new[] { "", "not a url", "/relative", "ftp://example.com/x", "javascript:alert(1)", "http://", "http://exa mple.com",
                "https://example.com/" + new string('p', 2000), "http://example.com/\u0000", "http://example.com/\u0007" }.Select(v => Bad(v)),
                // Not public (the corpus runs with Delivery:AllowPrivateNetworks off, as deployed).
                .. new[] { "http://localhost/hook", "http://127.0.0.1:8001/hook", "http://[::1]/hook", "http://10.0.0.1/hook", "http://192.168.0.10/hook",
                    "http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "http://[fd00:ec2::254]/", "http://[fe80::1]/",
                    "http://100.64.0.1/", "http://0.0.0.0/" }.Select(v => ((JsonNode?)v, 422, ErrorCodes.ServiceRuleUrlForbidden))],
            FieldKind.ApiKey => [Bad(""), Bad(new string('k', 501)), Bad("key\u0000"), Bad("key\nnext")],
            FieldKind.Timeout => [Bad(0), Bad(-1), Bad(301)],
            FieldKind.Delays => [Bad(new JsonArray()), Bad(new JsonArray(-1)), Bad(new JsonArray(86_401)), Bad(new JsonArray([.. Enumerable.Repeat(0, 21).Select(i => JsonValue.Create(i))]))],
            FieldKind.Flag => [],
            FieldKind.Username =>
            [
                .. new[] { "", "   ", "has space", "me", "caf\u00e9", new string('u', 101) }.Concat(controls).Select(v => Bad(v)),
                (t.Username, 409, ErrorCodes.UsernameTaken), (t.Username.ToUpperInvariant(), 409, ErrorCodes.UsernameTaken),
            ],
            FieldKind.RoleList => [Bad(new JsonArray("superuser")), Bad(new JsonArray("admin", "Admin")), Bad(new JsonArray("")), Bad(new JsonArray("approver\u0000"))],
            FieldKind.GroupList =>
            [
                Bad(new JsonArray("Not A Slug")), Bad(new JsonArray("")), Bad(new JsonArray("-x")), Bad(new JsonArray("a\u0000b")),
                Bad(new JsonArray([.. Enumerable.Range(0, 101).Select(i => JsonValue.Create($"g{i}"))])),
                (new JsonArray("no-such-group"), 422, ErrorCodes.UnknownGroups), (new JsonArray(t.GroupName, "no-such-group"), 422, ErrorCodes.UnknownGroups),
            ],
            FieldKind.GroupName =>
            [
                .. new[] { "", "   ", "Upper", "-x", "x-", "a--b", "a_b", new string('g', 65) }.Concat(controls).Select(v => Bad(v)),
                (t.GroupName, 409, ErrorCodes.GroupNameTaken),
            ],
            FieldKind.MemberList =>
            [
                Bad(new JsonArray("")), Bad(new JsonArray("a\u0000b")), Bad(new JsonArray(new string('m', 151))),
                Bad(new JsonArray([.. Enumerable.Range(0, 1001).Select(i => JsonValue.Create($"m{i}"))])),
                (new JsonArray("ghost-user"), 422, ErrorCodes.UnknownUsers), (new JsonArray(t.Username, "ghost-user"), 422, ErrorCodes.UnknownUsers),
            ],
            FieldKind.DeadlineAction => [.. new[] { "", "later", "REJECT", "approve", "Escalate", "reject\u0000" }.Select(v => Bad(v))],
            FieldKind.Reminders =>
            [
                .. new JsonArray[]
                {
                    ["PT0S"], ["soon"], ["P1M"], ["P400D"], ["PT1H", "PT60M"], ["pt1h"], ["PT1H\u0000"], [new string('P', 60_000)],
                    [.. Enumerable.Range(1, 6).Select(h => JsonValue.Create($"PT{h}H"))],
                }.Select(v => ((JsonNode?)v, 422, ErrorCodes.InvalidReminders)),
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    public static string JsonType(FieldKind kind) => kind switch
    {
        FieldKind.RuleList or FieldKind.Delays => "int[]",
        FieldKind.RoleList or FieldKind.GroupList or FieldKind.MemberList or FieldKind.Reminders => "string[]",
        FieldKind.Rule or FieldKind.LegacyStatus or FieldKind.Timeout => "int",
        FieldKind.Flag => "bool",
        _ => "string",
    };

    /// <summary>Values of the wrong JSON type for the field.</summary>
    public static JsonNode?[] WrongTypes(FieldKind kind) => JsonType(kind) switch
    {
        "string" => [42, true, new JsonArray(), new JsonObject { ["x"] = 1 }],
        "int" => ["1", 1.5, true, new JsonArray(), new JsonObject(), 99_999_999_999],
        "int[]" => ["1", 1, new JsonArray("1"), new JsonArray(1.5), new JsonArray((JsonNode?)null), new JsonObject(), new JsonArray(true), new JsonArray(99_999_999_999)],
        "string[]" => ["x", 1, true, new JsonObject(), new JsonArray(1), new JsonArray(true), new JsonArray((JsonNode?)null), new JsonArray(new JsonArray("x"))],
        _ => ["true", 1, new JsonArray(), new JsonObject(), "yes"],
    };
}
