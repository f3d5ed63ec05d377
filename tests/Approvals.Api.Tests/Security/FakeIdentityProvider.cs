using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Api.Tests.Security;

/// <summary>
/// A minimal OpenID Connect provider on a loopback port: a discovery document and a JWKS with one RSA key, which
/// is all the service needs to validate tokens. Tests mint tokens with the private key, or with a key it does not publish.
/// For the web pages' sign-in it also runs the authorization code flow with PKCE: its authorization endpoint signs in
/// at once whoever the test named (<see cref="NextSignIn"/>; no login form), and its token endpoint checks the code,
/// the redirect URI, the client and the PKCE verifier before it answers with an ID token for the client. Its
/// end-session endpoint (RP-initiated logout; unpublished without <see cref="EndsSessions"/>) records each sign-out and
/// sends the browser back.
/// </summary>
public sealed class FakeIdentityProvider : IAsyncDisposable
{
    private readonly RSA _signingKey = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, IssuedCode> _codes = new(StringComparer.Ordinal);
    private WebApplication? _app;

    /// <summary>Who the authorization endpoint signs in next, and how it misbehaves if asked to.</summary>
    public SignInAs? NextSignIn { get; set; }

    /// <summary>What points the service at this provider (over plain http, on loopback).</summary>
    public IEnumerable<KeyValuePair<string, string?>> ServiceSettings =>
    [
        new("Auth:Jwt:Authority", Authority),
        new("Auth:Jwt:RequireHttpsMetadata", "false"),
    ];

    /// <summary>The client secret the token endpoint requires; null: a public client.</summary>
    public string? ClientSecret { get; set; }

    public string Authority { get; private set; } = "";

    /// <summary>Whether the discovery document names an end-session endpoint.</summary>
    public bool EndsSessions { get; init; } = true;

    /// <summary>The sign-outs the end-session endpoint took, in order.</summary>
    public ConcurrentQueue<EndedSession> EndedSessions { get; } = new();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        var publicKey = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_signingKey.ExportParameters(false)) { KeyId = "idp-key" });
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(Discovery()));
        _app.MapGet("/authorize", (Delegate)Authorize);
        _app.MapPost("/token", (Delegate)RedeemAsync);
        _app.MapGet("/logout", (Delegate)EndSession);
        _app.MapGet("/jwks", () => Results.Json(new Dictionary<string, object>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string> { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = publicKey.Kid, ["n"] = publicKey.N, ["e"] = publicKey.E },
            },
        }));
        await _app.StartAsync();
        Authority = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    /// <summary>The discovery document: the endpoints above, the end-session one only when <see cref="EndsSessions"/>.</summary>
    private Dictionary<string, object> Discovery()
    {
        var discovery = new Dictionary<string, object>
        {
            ["issuer"] = Authority,
            ["jwks_uri"] = $"{Authority}/jwks",
            ["authorization_endpoint"] = $"{Authority}/authorize",
            ["token_endpoint"] = $"{Authority}/token",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        };
        if (EndsSessions)
        {
            discovery["end_session_endpoint"] = $"{Authority}/logout";
        }

        return discovery;
    }

    /// <summary>A token as the provider would issue it, or signed with a stranger's key when <paramref name="foreignKey"/>.</summary>
    public string Mint(
        string subject, string[] roles, string audience, DateTimeOffset now, string? issuer = null, bool foreignKey = false,
        IReadOnlyDictionary<string, object>? extraClaims = null)
    {
        var claims = new Dictionary<string, object>(extraClaims ?? new Dictionary<string, object>()) { ["sub"] = subject, ["roles"] = roles };
        var key = foreignKey ? RSA.Create(2048) : _signingKey;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Authority,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.AddMinutes(5).UtcDateTime,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = "idp-key" }, SecurityAlgorithms.RsaSha256),
            Claims = claims,
        });
    }

    /// <summary>Signs <see cref="NextSignIn"/> in and sends the browser back to the client with a code.</summary>
    private IResult Authorize(HttpContext context)
    {
        var query = context.Request.Query;
        if (NextSignIn is not { } person || query["response_type"] != "code" || query["code_challenge_method"] != "S256"
            || string.IsNullOrEmpty(query["code_challenge"]) || string.IsNullOrEmpty(query["redirect_uri"]))
        {
            return Results.BadRequest();
        }

        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _codes[code] = new IssuedCode(person, query["client_id"]!, query["redirect_uri"]!, query["code_challenge"]!, query["nonce"]!);
        return Results.Redirect($"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"]!)}");
    }

    /// <summary>Ends the session the ID token names (records it) and sends the browser back with the client's state.</summary>
    private IResult EndSession(HttpContext context)
    {
        var query = context.Request.Query;
        var hint = query["id_token_hint"].ToString();
        var back = query["post_logout_redirect_uri"].ToString();
        if (hint.Length == 0 || back.Length == 0)
        {
            return Results.BadRequest();
        }

        EndedSessions.Enqueue(new EndedSession(new JsonWebToken(hint), back));
        return Results.Redirect($"{back}?state={Uri.EscapeDataString(query["state"].ToString())}");
    }

    /// <summary>Exchanges a code once, for the client, redirect URI and PKCE verifier it was issued for.</summary>
    private async Task<IResult> RedeemAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var issued)
            || form["client_id"] != issued.ClientId || form["redirect_uri"] != issued.RedirectUri
            || (ClientSecret is not null && form["client_secret"] != ClientSecret)
            || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != issued.CodeChallenge)
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        var person = issued.Person;
        var now = DateTimeOffset.UtcNow;
        var idToken = Mint(person.Subject, person.Roles, person.WrongAudience ? "someone-else" : issued.ClientId, now,
            foreignKey: person.ForeignKey, extraClaims: new Dictionary<string, object>
            {
                ["nonce"] = person.WrongNonce ? "not-the-nonce" : issued.Nonce,
                ["groups"] = person.Groups,
            });
        return Results.Json(new { access_token = "opaque", token_type = "Bearer", expires_in = 300, id_token = idToken });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _signingKey.Dispose();
    }
}

/// <summary>Who the provider signs in, with their role and group claims, and what to get wrong in the ID token.</summary>
public sealed record SignInAs(string Subject, string[] Roles, string[] Groups, bool ForeignKey = false, bool WrongAudience = false, bool WrongNonce = false);

/// <summary>A sign-out the provider took: the ID token the client named its session by, and where it sent the browser back.</summary>
public sealed record EndedSession(JsonWebToken IdTokenHint, string PostLogoutRedirectUri);

internal sealed record IssuedCode(SignInAs Person, string ClientId, string RedirectUri, string CodeChallenge, string Nonce);
