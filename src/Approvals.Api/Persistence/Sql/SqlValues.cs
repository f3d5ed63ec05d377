using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Persistence.Sql;

/// <summary>How the stores bind values (<c>using static</c>): typed parameters, with the type spelled out where a null needs it.</summary>
public static class SqlValues
{
    public static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    public static NpgsqlParameter<string?> Text(string? value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };
}
