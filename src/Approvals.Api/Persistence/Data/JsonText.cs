using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Approvals.Api.Persistence.Data;

/// <summary>
/// Writes the small JSON documents the stores send as text (the jsonb columns, the events' data) through one buffer
/// and writer per thread. A <see cref="Utf8JsonWriter"/> on a new stream allocates its own 4 KB buffer for every
/// document, which was the largest allocation of a vote (docs/benchmarks.md).
/// </summary>
public static class JsonText
{
    /// <summary>A buffer that grew beyond this (a long description, many approvers) is not kept for the next document.</summary>
    private const int MaxKeptBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The JSON <paramref name="write"/> writes for <paramref name="state"/>, as a string.</summary>
    public static string Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(1024);
        var json = t_writer ?? new Utf8JsonWriter(buffer);

        // Taken while in use, so a document written while writing another gets a buffer of its own.
        (t_buffer, t_writer) = (null, null);
        try
        {
            buffer.ResetWrittenCount();
            json.Reset(buffer);
            write(json, state);
            json.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            if (buffer.Capacity <= MaxKeptBytes)
            {
                (t_buffer, t_writer) = (buffer, json);
            }
        }
    }
}
