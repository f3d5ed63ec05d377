using System.Net;
using System.Net.Sockets;
using Approvals.Domain;

namespace Approvals.Api.Webhooks;

/// <summary>A webhook's host is, or resolves to, an address <see cref="WebhookTargetRules"/> refuses.</summary>
public sealed class WebhookTargetForbiddenException(string message) : IOException(message);

/// <summary>
/// Applies <see cref="WebhookTargetRules"/> (unless <c>Delivery:AllowPrivateNetworks</c>): when a service rule's URL is
/// saved (<see cref="CheckAsync"/>), and again for every connection a delivery opens (<see cref="ConnectAsync"/>, the
/// HTTP handler's connect callback). DNS may answer differently by then (DNS rebinding), so the second check is on
/// the very addresses the connection is made to, resolved once, in the callback itself.
/// </summary>
public static class WebhookTargetGuard
{
    /// <summary>How long a save waits for DNS; a name that does not resolve in time is judged when it is used.</summary>
    public static readonly TimeSpan SaveTimeResolveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Why a webhook may not go to <paramref name="url"/>'s host, or null when it may. A host name that does not
    /// resolve (yet) passes: it is checked again each time a delivery connects.
    /// </summary>
    public static async Task<string?> CheckAsync(Uri url, CancellationToken cancellationToken)
    {
        var host = HostOf(url.IdnHost);
        if (WebhookTargetRules.ForbiddenHostName(host) is { } named)
        {
            return Describe(host, named);
        }

        IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SaveTimeResolveTimeout);
            addresses = await ResolveAsync(host, timeout.Token);
        }
        catch (Exception exception) when (exception is SocketException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }

        return FirstForbidden(host, addresses);
    }

    /// <summary>
    /// Opens a delivery's TCP connection, but only when every address its host resolves to may be reached; throws
    /// <see cref="WebhookTargetForbiddenException"/> (which the handler wraps in an <see cref="HttpRequestException"/>)
    /// otherwise. Nothing else picks the address: the connection goes to what was checked.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = HostOf(context.DnsEndPoint.Host);
        var addresses = WebhookTargetRules.ForbiddenHostName(host) is { } named
            ? throw new WebhookTargetForbiddenException(Describe(host, named))
            : await ResolveAsync(host, cancellationToken);
        if (FirstForbidden(host, addresses) is { } forbidden)
        {
            throw new WebhookTargetForbiddenException(forbidden);
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                last = exception;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);

    private static string? FirstForbidden(string host, IEnumerable<IPAddress> addresses) =>
        addresses.Select(address => (Address: address, Range: WebhookTargetRules.ForbiddenRange(address)))
            .Where(a => a.Range is not null)
            .Select(a => IPAddress.TryParse(host, out _)
                ? $"{a.Address} is not a public address ({a.Range})."
                : $"{host} resolves to {a.Address}, which is not a public address ({a.Range}).")
            .FirstOrDefault();

    private static string Describe(string host, string range) => $"{host} is not a public name ({range}).";

    /// <summary>An IPv6 literal without its URL brackets.</summary>
    private static string HostOf(string host) => host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
}
