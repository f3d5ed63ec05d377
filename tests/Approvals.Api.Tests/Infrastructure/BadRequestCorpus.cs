using System.Text;
using System.Text.Json.Nodes;
using Approvals.Domain;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>Existing data the corpus aims at, so that "nothing changed" means something.</summary>
/// <param name="Username">An existing user (the people routes' target, and a taken name).</param>
/// <param name="GroupName">An existing local group (the same for groups).</param>
public sealed record CorpusTargets(
    string PendingApprovalId, int UsedRuleId, string UsedRuleName, int UnusedRuleId, int DisabledRuleId, DateTimeOffset Now, string Username, string GroupName);

/// <summary>
/// Builds, deterministically, the bad requests of the corpus test: for every route the ways a client gets it wrong
/// (credentials, method, ids, query values, headers, content types, sizes), and for every field of every body wrong
/// JSON types, nulls, bad values, control characters and huge strings. Each request carries the answer it must get.
/// </summary>
public static partial class BadRequestCorpus
{
    private const string Malformed = ErrorCodes.MalformedJson;
    private const string Invalid = ErrorCodes.ValidationFailed;
    internal const string UnknownApproval = "00000000-0000-0000-0000-000000000000";

    private sealed record Field(string Name, FieldKind Kind, bool NullIsBad);

    /// <param name="ReadsAnyContentType">The legacy routes read a body as JSON whatever its declared type, as the original did.</param>
    private sealed record Route(
        string Name, HttpMethod Method, string Path, JsonObject? Body = null, Field[]? Fields = null, bool RejectsUnknownFields = true,
        bool ReadsAnyContentType = false)
    {
        public bool Anonymous => Path == "/status";
    }

    public static IReadOnlyList<BadRequest> Build(CorpusTargets t)
    {
        var routes = Routes(t);
        return [.. routes.SelectMany(route => ForRoute(route, t)), .. WrongMethodsAndUnknownRoutes(t)];
    }

    private static Route[] Routes(CorpusTargets t)
    {
        var approval = $"/api/v1/approvals/{t.PendingApprovalId}";
        var rule = $"/api/v1/service-rules/{t.UnusedRuleId}";
        var deadline = t.Now.AddDays(3).ToString("O");
        Field[] editable = [new("title", FieldKind.Title, true), new("description", FieldKind.Text, true), new("deadline", FieldKind.Deadline, true), new("comment", FieldKind.OptionalText, false),
            new("onDeadline", FieldKind.DeadlineAction, false), new("remindBefore", FieldKind.Reminders, false)];
        Field[] legacyEditable = [new("title", FieldKind.Title, false), new("description", FieldKind.Text, false), new("deadline", FieldKind.Deadline, false), new("comment", FieldKind.OptionalText, false)];
        Field[] serviceRule = [new("name", FieldKind.Name, true), new("url", FieldKind.Url, true), new("enabled", FieldKind.Flag, false), new("timeoutSeconds", FieldKind.Timeout, false), new("retrySchedule", FieldKind.Delays, false), new("allowSelfApproval", FieldKind.Flag, false),
            new("onDeadline", FieldKind.DeadlineAction, false)];
        JsonObject ServiceRuleBody(string name) => new() { ["name"] = name, ["url"] = "https://example.com/hook", ["apiKey"] = "downstream-key" };

        return
        [
            new("GET /status", HttpMethod.Get, "/status"),
            new("POST /request", HttpMethod.Post, "/request",
                new() { ["title"] = "t", ["description"] = "d", ["service_rule"] = t.UsedRuleId, ["deadline"] = deadline, ["comment"] = "" },
                [.. legacyEditable.Select(f => f with { NullIsBad = f.Kind != FieldKind.OptionalText }), new("service_rule", FieldKind.Rule, true)], RejectsUnknownFields: false,
                ReadsAnyContentType: true),
            new("GET /request", HttpMethod.Get, $"/request?id={t.PendingApprovalId}"),
            new("GET /requests", HttpMethod.Get, "/requests"),
            new("PUT /request", HttpMethod.Put, "/request",
                new() { ["id"] = t.PendingApprovalId, ["comment"] = "changed" },
                [new("id", FieldKind.LegacyId, true), .. legacyEditable, new("service_rule", FieldKind.Rule, false), new("status", FieldKind.LegacyStatus, false)], RejectsUnknownFields: false,
                ReadsAnyContentType: true),
            new("POST approvals", HttpMethod.Post, "/api/v1/approvals",
                new() { ["title"] = "t", ["description"] = "d", ["deadline"] = deadline, ["serviceRules"] = new JsonArray(t.UsedRuleId) },
                [.. editable, new("serviceRules", FieldKind.RuleList, true)]),
            new("GET approvals", HttpMethod.Get, "/api/v1/approvals"),
            new("GET approval", HttpMethod.Get, approval),
            new("PATCH approval", HttpMethod.Patch, approval, new() { ["comment"] = "changed" }, [.. editable, new("serviceRules", FieldKind.RuleList, true)]),
            new("POST decision", HttpMethod.Post, approval + "/decision", new() { ["decision"] = "approve" },
                [new("decision", FieldKind.Decision, true), new("comment", FieldKind.OptionalText, false)]),
            new("GET history", HttpMethod.Get, approval + "/history"),
            new("GET state-machine", HttpMethod.Get, "/api/v1/state-machine"),
            new("GET events", HttpMethod.Get, "/api/v1/events"),
            new("GET inbox", HttpMethod.Get, "/api/v1/inbox"),
            new("GET service-rules", HttpMethod.Get, "/api/v1/service-rules"),
            new("GET service-rule", HttpMethod.Get, rule),
            new("POST service-rules", HttpMethod.Post, "/api/v1/service-rules", ServiceRuleBody("new-rule"), [.. serviceRule, new("apiKey", FieldKind.ApiKey, true)]),
            new("PUT service-rule", HttpMethod.Put, rule, ServiceRuleBody("renamed-rule"), [.. serviceRule, new("apiKey", FieldKind.ApiKey, false)]),
            new("DELETE service-rule", HttpMethod.Delete, rule),
            new("POST rotate-secret", HttpMethod.Post, rule + "/rotate-secret"),
            new("POST users", HttpMethod.Post, "/api/v1/users", new() { ["username"] = "corpus-new-user", ["roles"] = new JsonArray("approver") },
                [new("username", FieldKind.Username, true), new("roles", FieldKind.RoleList, true), new("groups", FieldKind.GroupList, false)]),
            new("GET users", HttpMethod.Get, "/api/v1/users"),
            new("PATCH user", HttpMethod.Patch, $"/api/v1/users/{t.Username}", new() { ["disabled"] = false },
                [new("roles", FieldKind.RoleList, false), new("groups", FieldKind.GroupList, false), new("disabled", FieldKind.Flag, false)]),
            new("POST groups", HttpMethod.Post, "/api/v1/groups", new() { ["name"] = "corpus-new-group", ["members"] = new JsonArray(t.Username) },
                [new("name", FieldKind.GroupName, true), new("members", FieldKind.MemberList, false)]),
            new("GET groups", HttpMethod.Get, "/api/v1/groups"),
            new("PUT group members", HttpMethod.Put, $"/api/v1/groups/{t.GroupName}/members", new() { ["members"] = new JsonArray(t.Username) },
                [new("members", FieldKind.MemberList, true)]),
        ];
    }

    private static IEnumerable<BadRequest> ForRoute(Route route, CorpusTargets t)
    {
        if (!route.Anonymous)
        {
            var credentials = new (string Name, string Header, string? Value)[]
            {
                ("no credentials", "Authorization", null), ("unknown key", "Authorization", "not-a-valid-key-0000"),
                ("empty Authorization", "Authorization", ""), ("Bearer scheme", "Authorization", "Bearer " + ApprovalsApiFactory.ApiKey),
                ("key with suffix", "Authorization", ApprovalsApiFactory.ApiKey + "x"), ("unknown X-Api-Key", "X-Api-Key", "not-a-valid-key-0000"),
            };
            foreach (var (name, header, value) in credentials)
            {
                yield return Make(route, name, 401, ErrorCodes.Unauthenticated) with { Headers = [new(header, value)] };
            }
        }

        yield return Make(route, "body over 64 KB", 413, ErrorCodes.PayloadTooLarge, body: new JsonObject { ["pad"] = new string('x', 70 * 1024) });

        foreach (var request in IdCases(route, t).Concat(QueryCases(route, t)).Concat(HeaderCases(route)))
        {
            yield return request;
        }

        if (route.Name == "PATCH user")
        {
            yield return Make(route, "unknown user", 404, ErrorCodes.UserNotFound, "/api/v1/users/no-such-user");
        }

        if (route.Name == "PUT group members")
        {
            yield return Make(route, "unknown group", 404, ErrorCodes.GroupNotFound, "/api/v1/groups/no-such-group/members");
        }

        if (route.Path.EndsWith($"/service-rules/{t.UnusedRuleId}", StringComparison.Ordinal) && route.Method == HttpMethod.Delete)
        {
            yield return Make(route, "rule in use", 409, ErrorCodes.ServiceRuleInUse, $"/api/v1/service-rules/{t.UsedRuleId}");
        }

        if (route.Body is null)
        {
            yield break;
        }

        foreach (var request in BodyCases(route, t))
        {
            yield return request;
        }
    }

    private static IEnumerable<BadRequest> IdCases(Route route, CorpusTargets t)
    {
        // (A %00 in the path never reaches the application: the server refuses it, so it is only sent in queries.)
        string[] badUuids = ["x", "1", "not-a-uuid", "12345678-1234-1234-1234-1234567890", "%01", "%27%20OR%201%3D1--", new('a', 300), t.PendingApprovalId + "0"];
        if (route.Path.Contains(t.PendingApprovalId, StringComparison.Ordinal) && route.Path.StartsWith("/api", StringComparison.Ordinal))
        {
            foreach (var id in badUuids)
            {
                yield return Make(route, $"id '{Short(id)}'", 400, Invalid, route.Path.Replace(t.PendingApprovalId, id, StringComparison.Ordinal));
            }

            yield return Make(route, "unknown id", 404, ErrorCodes.ApprovalNotFound, route.Path.Replace(t.PendingApprovalId, UnknownApproval, StringComparison.Ordinal));
        }

        if (route.Path.StartsWith("/request?id=", StringComparison.Ordinal))
        {
            foreach (var id in badUuids.Append("").Append("%00"))
            {
                yield return Make(route, $"id '{Short(id)}'", 400, Invalid, $"/request?id={id}");
            }

            yield return Make(route, "no id", 400, Invalid, "/request");
            yield return Make(route, "unknown id", 404, ErrorCodes.ApprovalNotFound, $"/request?id={UnknownApproval}");
        }

        var rulePath = $"/service-rules/{t.UnusedRuleId}";
        if (route.Path.Contains(rulePath, StringComparison.Ordinal))
        {
            foreach (var id in new[] { "x", "-1", "1.5", "99999999999", "%201", "0x1", "%01", "1e3" })
            {
                yield return Make(route, $"rule id '{id}'", 400, Invalid, route.Path.Replace(rulePath, $"/service-rules/{id}", StringComparison.Ordinal));
            }

            foreach (var id in new[] { "0", "2147483647" })
            {
                yield return Make(route, $"rule id {id}", 404, ErrorCodes.ServiceRuleNotFound, route.Path.Replace(rulePath, $"/service-rules/{id}", StringComparison.Ordinal));
            }
        }
    }

    private static IEnumerable<BadRequest> BodyCases(Route route, CorpusTargets t)
    {
        var valid = route.Body!.ToJsonString();
        var stringField = route.Fields!.FirstOrDefault(f => BadFieldValues.JsonType(f.Kind) == "string");
        var firstString = (stringField ?? route.Fields![0]).Name;

        // Syntax: truncations of the valid body, classic mistakes, bytes that are not UTF-8 JSON.
        foreach (var length in new[] { 1, valid.Length / 3, valid.Length / 2, valid.Length - 1 })
        {
            yield return Raw(route, $"truncated to {length}", valid[..length], 400, Malformed);
        }

        string[] malformed =
        [
            "{", "}", "[", " ", "nul", "tru", "{} {}", "\u0000", "// comment\n{}", "{'a':'b'}", new string('[', 100) + new string(']', 100),
            // A body of lists only: syntax errors inside a list, since a string where a list belongs is a wrong type first.
            .. (stringField is not null
                    ? new[] { ":}", " 1}", ":\"x\",}", ":\"unterminated}", ":NaN}", ":01}", ":\"\\x41\"}", ":1\u0000}", ":\"raw\u0001control\"}" }
                    : [":}", " []}", ":[}", ":[\"x\",]}", ":[\"x\"}", ":[\"unterminated]}", ":[01]}", ":[\"\\x41\"]}", ":[\"raw\u0001control\"]}"])
                .Select(rest => $"{{\"{firstString}\"{rest}"),
        ];
        foreach (var text in malformed)
        {
            yield return Raw(route, $"malformed '{Short(text)}'", text, 400, Malformed);
        }

        // Well-formed JSON that is not an object is not a request body either.
        foreach (var text in new[] { "null", "[]", "\"text\"", "42", "true", "[{}]" })
        {
            yield return Raw(route, $"body is {text}", text, 400, Malformed);
        }

        yield return Make(route, "empty body", 400, Malformed) with { Body = [] };
        foreach (var charset in new[] { "klingon", "utf-16", "\"latin1\"" })
        {
            yield return Make(route, $"charset {charset}", 415, ErrorCodes.UnsupportedMediaType) with { ContentType = $"application/json; charset={charset}" };
        }

        yield return Make(route, "UTF-16 body declared as UTF-8", 400, Malformed) with { Body = Encoding.Unicode.GetBytes(valid) };

        // Text that is not Unicode (invalid UTF-8, lone surrogate escapes) is a bad value of its field; as a field name, unreadable.
        yield return Make(route, "invalid UTF-8", 400, Invalid) with { Body = [.. Encoding.UTF8.GetBytes($"{{\"{firstString}\":\""), 0xFF, 0xFE, 0xC3, .. "\"}"u8] };
        foreach (var escape in new[] { "\\ud800", "\\udc00x" })
        {
            yield return Raw(route, $"{firstString} = lone surrogate {escape}", $"{{\"{firstString}\":\"{escape}\"}}", 400, Invalid);
            yield return Raw(route, $"field name with lone surrogate {escape}", $"{{\"{escape}\":\"x\"}}", 400, Malformed);
        }

        // Content types that are not JSON, with a valid JSON body (LegacyApiTests shows the legacy routes reading them).
        foreach (var contentType in route.ReadsAnyContentType ? [] : new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "application/jsonx", "json", null })
        {
            yield return Make(route, $"Content-Type {contentType ?? "missing"}", 415, ErrorCodes.UnsupportedMediaType) with { Body = Bytes(valid), ContentType = contentType };
        }

        // Unknown fields: v1 bodies refuse them; the legacy routes ignore them as the original did.
        if (route.RejectsUnknownFields)
        {
            foreach (var unknown in new[] { "titel", "status", "id", "createdBy", "signingSecret", "__proto__", new string('u', 1000) })
            {
                if (route.Fields!.All(f => f.Name != unknown))
                {
                    yield return Make(route, $"unknown field '{Short(unknown)}'", 400, Invalid, body: With(route.Body, unknown, "x"));
                }
            }

            var many = route.Body.DeepClone().AsObject();
            for (var i = 0; i < 2000; i++)
            {
                many[$"f{i}"] = i;
            }

            yield return Make(route, "2000 unknown fields", 400, Invalid, body: many);
        }

        foreach (var field in route.Fields!)
        {
            foreach (var wrong in BadFieldValues.WrongTypes(field.Kind))
            {
                yield return Make(route, $"{field.Name} = {Short(wrong?.ToJsonString() ?? "null")}", 400, Invalid, body: With(route.Body, field.Name, wrong));
            }

            if (field.NullIsBad)
            {
                yield return Make(route, $"{field.Name} = null", 400, Invalid, body: With(route.Body, field.Name, null));
            }

            foreach (var (value, status, code) in BadFieldValues.For(field.Kind, t))
            {
                yield return Make(route, $"{field.Name} = {Short(value?.ToJsonString() ?? "null")}", status, code, body: With(route.Body, field.Name, value));
            }
        }

        // Several wrongly typed fields (and an unknown one where unknown fields are refused): one answer names them all.
        var several = route.Body.DeepClone().AsObject();
        var bad = route.Fields.Take(3).Select(f => f.Name).ToList();
        foreach (var field in route.Fields.Take(3))
        {
            several[field.Name] = BadFieldValues.WrongTypes(field.Kind)[0]!.DeepClone();
        }

        if (route.RejectsUnknownFields)
        {
            several["titel"] = "typo";
            bad.Add("titel");
        }

        if (bad.Count >= 2)
        {
            yield return Make(route, $"wrong types of {string.Join(", ", bad)}", 400, Invalid, body: several) with { Fields = bad };
        }

        if (route.Fields.Any(f => f.NullIsBad) && route.Method != HttpMethod.Patch)
        {
            yield return Raw(route, "empty object", "{}", 400, Invalid);
        }
    }

    private static IEnumerable<BadRequest> WrongMethodsAndUnknownRoutes(CorpusTargets t)
    {
        var approval = $"/api/v1/approvals/{t.PendingApprovalId}";
        var rule = $"/api/v1/service-rules/{t.UnusedRuleId}";
        (HttpMethod Method, string Path)[] wrongMethods =
        [
            (HttpMethod.Post, "/status"), (HttpMethod.Delete, "/request"), (HttpMethod.Patch, "/request"), (HttpMethod.Post, "/requests"),
            (HttpMethod.Put, "/api/v1/approvals"), (HttpMethod.Delete, approval), (HttpMethod.Put, approval), (HttpMethod.Get, approval + "/decision"),
            (HttpMethod.Post, approval + "/history"), (HttpMethod.Post, "/api/v1/state-machine"), (HttpMethod.Patch, rule),
            (HttpMethod.Get, rule + "/rotate-secret"), (HttpMethod.Delete, "/api/v1/service-rules"), (HttpMethod.Post, "/api/v1/events"),
        ];
        foreach (var (method, path) in wrongMethods)
        {
            yield return new BadRequest("wrong method", $"{method} {path}", method, path, 405, ErrorCodes.MethodNotAllowed) { Body = Bytes("{}") };
        }

        foreach (var path in new[] { "/api/v1/approval", "/api/v2/approvals", "/requestz", approval + "/decisions", rule + "/rotate", "/api/v1/approvals/x/y/z", "/api/v1/event" })
        {
            yield return new BadRequest("unknown route", path, HttpMethod.Get, path, 404, ErrorCodes.RouteNotFound);
        }
    }

    /// <summary>A request to the route with its valid body (or <paramref name="body"/>), expecting this answer.</summary>
    private static BadRequest Make(Route route, string name, int status, string code, string? path = null, JsonNode? body = null) =>
        new(route.Name, name, route.Method, path ?? route.Path, status, code) { Body = Bytes((body ?? route.Body)?.ToJsonString()) };

    private static BadRequest Raw(Route route, string name, string body, int status, string code) =>
        Make(route, name, status, code) with { Body = Bytes(body) };

    private static JsonObject With(JsonObject body, string field, JsonNode? value)
    {
        var copy = body.DeepClone().AsObject();
        copy[field] = value?.DeepClone();
        return copy;
    }

    private static byte[]? Bytes(string? text) => text is null ? null : Encoding.UTF8.GetBytes(text);

    private static string Base64Url(string text) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    private static string Short(string value)
    {
        var printable = new string([.. value.Select(c => char.IsControl(c) ? '?' : c)]);
        return printable.Length > 40 ? $"{printable[..30]}...({value.Length} chars)" : printable;
    }
}
