using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using Approvals.Api.Persistence;

namespace Approvals.Api.Features;

/// <summary>A page of the event feed: the events in feed order, and the cursor to send as <c>after</c> next time.</summary>
public sealed record EventPage(IReadOnlyList<CloudEvent> Events, string? NextCursor);
