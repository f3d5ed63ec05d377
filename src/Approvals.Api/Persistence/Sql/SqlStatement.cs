using System.Collections.Concurrent;
using System.Reflection;
using Npgsql;

namespace Approvals.Api.Persistence.Sql;

/// <summary>
/// One statement from <c>Persistence/Sql/{Name}.sql</c> (an embedded resource; <see cref="SqlTemplate"/> says how they
/// are written), turned into positional parameters (<c>$1</c>, <c>$2</c>, …) once: Npgsql then sends it as it is,
/// without parsing it on every call. Stores bind values by name.
/// </summary>
public sealed class SqlStatement
{
    private static readonly ConcurrentDictionary<string, SqlStatement> Loaded = new(StringComparer.Ordinal);

    private readonly Dictionary<string, int> _positions;

    private SqlStatement(string name, string template)
    {
        Name = name;
        var expanded = SqlTemplate.Expand(template);
        ParameterNames = SqlTemplate.ParameterNames(expanded);
        _positions = ParameterNames.Select((parameter, index) => (parameter, index)).ToDictionary(p => p.parameter, p => p.index, StringComparer.Ordinal);
        Text = SqlTemplate.ReplaceParameters(expanded, parameter => "$" + (_positions[parameter] + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public string Name { get; }

    /// <summary>The text sent to PostgreSQL.</summary>
    public string Text { get; }

    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The statement in <c>Persistence/Sql/{name}.sql</c>, loaded once.</summary>
    public static SqlStatement Get(string name) => Loaded.GetOrAdd(name, Load);

    /// <summary>A batch command with <paramref name="values"/> bound by name; every parameter must be given exactly once.</summary>
    public NpgsqlBatchCommand BatchCommand(params (string Name, NpgsqlParameter Value)[] values)
    {
        var command = new NpgsqlBatchCommand(Text);
        command.Parameters.AddRange(Positional(values));
        return command;
    }

    /// <summary>Binds <paramref name="values"/> by name to <paramref name="command"/>, whose text must be <see cref="Text"/>.</summary>
    public NpgsqlCommand Bind(NpgsqlCommand command, params (string Name, NpgsqlParameter Value)[] values)
    {
        command.Parameters.AddRange(Positional(values));
        return command;
    }

    private NpgsqlParameter[] Positional((string Name, NpgsqlParameter Value)[] values)
    {
        if (values.Length != ParameterNames.Count)
        {
            throw new ArgumentException($"{Name}.sql takes {ParameterNames.Count} parameters ({string.Join(", ", ParameterNames)}); {values.Length} were given.");
        }

        var positional = new NpgsqlParameter[values.Length];
        foreach (var (name, value) in values)
        {
            if (!_positions.TryGetValue(name, out var position) || positional[position] is not null)
            {
                throw new ArgumentException($"{Name}.sql has no parameter :{name}, or it was given twice.");
            }

            positional[position] = value;
        }

        return positional;
    }

    private static SqlStatement Load(string name)
    {
        var resource = $"{typeof(SqlStatement).Namespace}.{name}.sql";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"No embedded statement {resource}.");
        using var reader = new StreamReader(stream);
        return new SqlStatement(name, reader.ReadToEnd());
    }
}
