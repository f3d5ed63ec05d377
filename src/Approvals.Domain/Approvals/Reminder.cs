using System.Globalization;

namespace Approvals.Domain;

/// <summary>
/// One entry of an approval's <c>remindBefore</c>: how long before the deadline an <c>approval.reminder_due</c> event
/// is raised, as the ISO 8601 duration the client wrote (<see cref="Text"/>, kept as written) and its length.
/// </summary>
public readonly record struct Reminder(string Text, TimeSpan Before)
{
    public const int MaxCount = 5;

    /// <summary>The longest reminder: a year ahead of the deadline.</summary>
    public static readonly TimeSpan MaxBefore = TimeSpan.FromDays(366);

    /// <summary>A stored entry (validated when it was set).</summary>
    public static Reminder Parse(string text) => TryParse(text, out var reminder)
        ? reminder
        : throw new FormatException($"'{text}' is not an ISO 8601 duration of weeks, days, hours, minutes and seconds.");

    /// <summary>
    /// Reads an ISO 8601 duration made of whole weeks (<c>P2W</c>, on its own), or days, hours, minutes and seconds
    /// (<c>P1DT12H</c>, <c>PT1H</c>, <c>PT90M</c>). Years and months are refused: they have no fixed length.
    /// </summary>
    public static bool TryParse(string? text, out Reminder reminder)
    {
        reminder = default;
        if (text is null || text.Length is < 3 or > 40 || text[0] != 'P')
        {
            return false;
        }

        long seconds = 0;
        var inTime = false;
        var components = 0;
        var lastUnit = -1;
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == 'T')
            {
                if (inTime || i == text.Length - 1)
                {
                    return false;
                }

                inTime = true;
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i - start > 9 || i == text.Length)
            {
                return false;
            }

            var number = long.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            var (unit, length) = (inTime, text[i]) switch
            {
                (false, 'W') => (0, 7 * 86_400L),
                (false, 'D') => (1, 86_400L),
                (true, 'H') => (2, 3_600L),
                (true, 'M') => (3, 60L),
                (true, 'S') => (4, 1L),
                _ => (-1, 0L),
            };

            // Each unit at most once, in order; weeks stand alone.
            if (unit <= lastUnit || (lastUnit == 0 && unit >= 0))
            {
                return false;
            }

            lastUnit = unit;
            seconds += number * length;
            components++;
            i++;
        }

        if (components == 0 || (inTime && lastUnit < 2))
        {
            return false;
        }

        reminder = new Reminder(text, TimeSpan.FromSeconds(seconds));
        return true;
    }

    /// <summary>
    /// The reminders <paramref name="texts"/> asks for, or the 422 (<see cref="ErrorCodes.InvalidReminders"/>) naming
    /// every problem: not an ISO 8601 duration of weeks to seconds, not positive, longer than
    /// <see cref="MaxBefore"/>, repeated (by length: <c>PT24H</c> and <c>P1D</c> are the same reminder), or more
    /// than <see cref="MaxCount"/> of them.
    /// </summary>
    public static Result<IReadOnlyList<Reminder>> ParseAll(IReadOnlyList<string> texts)
    {
        var messages = new List<string>();
        if (texts.Count > MaxCount)
        {
            messages.Add($"At most {MaxCount} reminders are allowed.");
        }

        var reminders = new List<Reminder>(texts.Count);
        foreach (var text in texts)
        {
            if (!TryParse(text, out var reminder))
            {
                messages.Add($"'{Shorten(text)}' is not an ISO 8601 duration such as PT1H, P1D or P1DT12H (weeks, days, hours, minutes, seconds).");
            }
            else if (reminder.Before <= TimeSpan.Zero)
            {
                messages.Add($"'{text}' is not positive.");
            }
            else if (reminder.Before > MaxBefore)
            {
                messages.Add($"'{text}' is more than {MaxBefore.TotalDays:0} days.");
            }
            else if (reminders.Any(r => r.Before == reminder.Before))
            {
                messages.Add($"'{text}' repeats a reminder of the same length.");
            }
            else
            {
                reminders.Add(reminder);
            }
        }

        return messages.Count == 0
            ? reminders
            : new DomainError(ErrorCodes.InvalidReminders, "remindBefore holds invalid reminders.")
            {
                FieldErrors = new Dictionary<string, string[]> { ["remindBefore"] = [.. messages] },
            };
    }

    private static string Shorten(string? text) => text is null ? "null" : text.Length > 40 ? text[..40] + "…" : text;
}
