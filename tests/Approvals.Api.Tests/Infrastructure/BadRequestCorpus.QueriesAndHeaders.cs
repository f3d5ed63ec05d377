using Approvals.Domain;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>The corpus's bad query strings and conditional headers (<see cref="BadRequestCorpus"/>).</summary>
public static partial class BadRequestCorpus
{
    private static IEnumerable<BadRequest> QueryCases(Route route, CorpusTargets t)
    {
        (string Parameter, string[] Values)[] parameters = route.Method != HttpMethod.Get ? [] : route.Path switch
        {
            "/api/v1/approvals" =>
            [
                ("limit", ["0", "-1", "201", "abc", "1.5", "99999999999", "%00", "%205", "5&limit=6"]),
                ("status", ["FOO", "PENDING,NOPE", "9", "-1", "%00", "PENDING%00", "%FF%FE", "PENDING," + new string('x', 2000),
                    "2", "0", "PENDING,3", "8"]), // API v1 names statuses; the original routes' numbers are refused
                ("serviceRule", ["abc", "0", "-1", "1.5", "99999999999"]),
                ("overdue", ["maybe", "2", "yes", "%00"]),
                ("mine", ["maybe", "2", "yes", "%00"]),
                ("sort", ["title", "+deadline", "DEADLINE", "deadline,createdAt", "-id"]),
                ("cursor", ["!!!", "abc", Base64Url("hello"), Base64Url("123.notaguid"), Base64Url($"-5.{Guid.Empty:N}"),
                    Base64Url($"99999999999999999999.{Guid.Empty:N}"), Base64Url($"9.1.{Guid.Empty:N}"), new('A', 200), "%00", "%FF"]),
            ],
            "/api/v1/inbox" =>
            [
                ("limit", ["0", "-1", "201", "abc", "1.5", "99999999999", "%00", "%205", "5&limit=6"]),
                ("serviceRule", ["abc", "0", "-1", "1.5", "99999999999", "%00"]),
                ("overdue", ["maybe", "2", "yes", "%00"]),
                ("q", [new string('x', 201), "a%01b", "%00", "%1F", "tab%09here", "%7F"]),
                ("cursor", ["!!!", "abc", Base64Url("hello"), Base64Url($"3.1.{Guid.Empty:N}"), new('A', 200), "%00", "%FF"]),
            ],
            "/api/v1/events" =>
            [
                ("limit", ["0", "-1", "1001", "abc", "1.5", "99999999999", "%00", "%205", "5&limit=6"]),
                ("wait", ["-1", "31", "abc", "1.5", "99999999999", "%00", "1&wait=2"]),
                ("type", ["approval.nope", "approval.created,nope", "APPROVAL.CREATED", "created", "%00", "approval.created%00", "%FF%FE",
                    "approval.created," + new string('x', 2000)]),
                ("approvalId", ["x", "1", "not-a-uuid", "%00", "%27%20OR%201%3D1--", "12345678-1234-1234-1234-1234567890", new('a', 300)]),
            ],
            "/api/v1/users" or "/api/v1/groups" =>
            [
                ("limit", ["0", "-1", "201", "abc", "1.5", "99999999999", "%00", "%205", "5&limit=6"]),
                ("cursor", ["!!!", "%00", "%FF", new('A', 401), Base64Url("tab\there"), ""]),
            ],
            "/requests" =>
            [
                ("limit", ["abc", "-1", "0", "1001", "1.5", "%00"]),
                ("offset", ["-1", "x", "1.5", "99999999999"]),
                ("default", ["2", "-1", "yes", "true", "%00"]),
            ],
            _ => [],
        };

        foreach (var (parameter, values) in parameters)
        {
            foreach (var value in values)
            {
                yield return Make(route, $"{parameter}={Short(value)}", 400, Invalid, $"{route.Path}?{parameter}={value}");
            }
        }

        // API v1 refuses the query parameters its route does not take (the original routes ignore them), whatever the method.
        if (route.Path.StartsWith("/api/v1/", StringComparison.Ordinal))
        {
            var separator = route.Path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            foreach (var query in new[] { "limt=1", "foo=bar", "a=1&b=2", "%00=1", "limit=5&limt=1", new string('q', 300) + "=1", "=x" })
            {
                yield return Make(route, $"unknown query '{Short(query)}'", 400, ErrorCodes.UnknownQueryParameter, $"{route.Path}{separator}{query}");
            }
        }

        // A feed cursor is opaque: one that does not decode, or names no stored event, has a code of its own.
        string[] cursors = route.Method == HttpMethod.Get && route.Path == "/api/v1/events"
            ? ["!!!", "abc", Base64Url("hello"), new('A', 200), "%00", "%FF", "AQ", new Api.Persistence.EventCursor(1, long.MaxValue).Encode()]
            : [];
        foreach (var cursor in cursors)
        {
            yield return Make(route, $"after={Short(cursor)}", 400, ErrorCodes.EventsInvalidCursor, $"{route.Path}?after={cursor}");
        }
    }

    private static IEnumerable<BadRequest> HeaderCases(Route route)
    {
        // Only approvals have versions: If-Match means nothing to the other routes.
        var isDecision = route.Path.EndsWith("/decision", StringComparison.Ordinal);
        if ((route.Method == HttpMethod.Patch && route.Path.StartsWith("/api/v1/approvals/", StringComparison.Ordinal)) || isDecision)
        {
            foreach (var tag in new[] { "abc", "\"abc\"", "\"-1\"", "\"99999999999\"", "\"1\" junk", "\"1\" \"2\"", "*, \"1\"", "W/abc", "\"01\"", "\"1\",, x" })
            {
                yield return Make(route, $"If-Match {tag}", 400, Invalid) with { Headers = [new("If-Match", tag)] };
            }

            // Stale, or weak: If-Match compares strongly, so a weak tag never matches, even the current version's.
            foreach (var tag in new[] { "\"999\"", "\"999\", \"998\"", "W/\"1\"", "W/\"1\", W/\"999\"" })
            {
                yield return Make(route, $"If-Match {tag}", 412, ErrorCodes.VersionMismatch) with { Headers = [new("If-Match", tag)] };
            }
        }

        if (route.Name == "GET approval")
        {
            foreach (var tag in new[] { "abc", "\"abc\"", "W/\"x\"", "\"1\" junk", "*, \"1\"", "\"01\"" })
            {
                yield return Make(route, $"If-None-Match {tag}", 400, Invalid) with { Headers = [new("If-None-Match", tag)] };
            }
        }

        if (isDecision || route.Path == "/api/v1/approvals" && route.Method == HttpMethod.Post)
        {
            foreach (var key in new[] { new string('k', 201), "has space", "tab\tkey", "caf\u00e9" })
            {
                yield return Make(route, $"Idempotency-Key '{Short(key)}'", 400, Invalid) with { Headers = [new("Idempotency-Key", key)] };
            }

            // A refused request must not store its key either.
            var refused = isDecision ? With(route.Body!, "decision", "maybe") : With(route.Body!, "title", "");
            yield return Make(route, "Idempotency-Key with a refused body", 400, Invalid, body: refused) with { Headers = [new("Idempotency-Key", "corpus-refused")] };
        }
    }
}
