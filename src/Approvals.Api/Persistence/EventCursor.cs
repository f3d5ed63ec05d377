using System.Buffers.Binary;
using System.Buffers.Text;

namespace Approvals.Api.Persistence;

/// <summary>
/// A position in the feed: the writing transaction's id and the event's position, the feed's sort key. Opaque to
/// clients (base64url of a version byte and both numbers), so the encoding can change without breaking them.
/// </summary>
public readonly record struct EventCursor(ulong TransactionId, long Position)
{
    private const byte Version = 1;
    private const int Length = 1 + sizeof(ulong) + sizeof(long);

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], TransactionId);
        BinaryPrimitives.WriteInt64BigEndian(bytes[(1 + sizeof(ulong))..], Position);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string value, out EventCursor cursor)
    {
        cursor = default;
        Span<byte> bytes = stackalloc byte[Length + 1];
        int written;
        try
        {
            // Too long for the buffer is false; characters outside the alphabet throw.
            if (value.Length > 64 || !Base64Url.TryDecodeFromChars(value, bytes, out written))
            {
                return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }

        if (written != Length || bytes[0] != Version)
        {
            return false;
        }

        var position = BinaryPrimitives.ReadInt64BigEndian(bytes[(1 + sizeof(ulong))..]);
        if (position <= 0)
        {
            return false;
        }

        cursor = new EventCursor(BinaryPrimitives.ReadUInt64BigEndian(bytes[1..]), position);
        return true;
    }
}
