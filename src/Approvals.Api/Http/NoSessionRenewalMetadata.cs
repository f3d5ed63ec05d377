namespace Approvals.Api.Http;

/// <summary>
/// Marks a web endpoint whose requests do not count as the person's activity (a page's live updates, which the
/// browser keeps reconnecting on its own): the session's idle timeout is not renewed by them, so an open page does
/// not keep a session alive forever.
/// </summary>
public sealed class NoSessionRenewalMetadata;
