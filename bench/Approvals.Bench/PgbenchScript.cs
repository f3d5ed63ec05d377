using System.Text;
using System.Text.RegularExpressions;
using Approvals.Api.Persistence.Sql;

namespace Approvals.Bench;

/// <summary>
/// A ceiling script of bench/pgbench expanded from its template into the text pgbench runs, so that the ceiling sends
/// the service's own statements (src/Approvals.Api/Persistence/Sql/*.sql) and the two cannot drift. A template is a
/// pgbench script with three kinds of directive lines (comments to pgbench itself, which is why a template must not be
/// given to it unexpanded: it would run without the service's statements):
/// <list type="bullet">
/// <item><c>-- include: Name</c>: the statement of <c>Sql/Name.sql</c> as <see cref="SqlTemplate.Expand"/> makes it
/// (comments dropped, enum values filled in), its parameters replaced by the bindings below, ended by <c>;</c>.</item>
/// <item><c>-- bind: name = expression</c>: from here on, the parameter <c>:name</c> of every included statement is
/// <c>expression</c>, pasted as written (parenthesize it where precedence matters); its own <c>:names</c> are
/// pgbench variables, never other bindings. A later bind of the same name replaces it.</item>
/// <item><c>-- with: name = expression</c>: the same for the next include only (before it, over any bind).</item>
/// </list>
/// Every parameter left unbound stays a pgbench variable, which -D or <c>\set</c> must define: pgbench with
/// <c>-M prepared</c> would send an undefined one as NULL rather than fail, so <see cref="Check"/> refuses it.
/// Other comment lines and blank lines are dropped; every other line (meta-commands, SQL) is kept as written.
/// </summary>
internal sealed partial class PgbenchScript
{
    /// <summary>The variables pgbench defines itself.</summary>
    private static readonly string[] Automatic = ["client_id", "default_seed", "random_seed", "scale"];

    private readonly List<(string Name, int Line)> _reads;

    private PgbenchScript(string name, string text, IReadOnlyList<string> statements, List<(string Name, int Line)> reads)
    {
        Name = name;
        Text = text;
        Statements = statements;
        _reads = reads;
    }

    /// <summary>The template's file name in bench/pgbench, such as <c>decide.sql</c>.</summary>
    public string Name { get; }

    /// <summary>The script as pgbench runs it.</summary>
    public string Text { get; }

    /// <summary>The service statements it includes, in order (a statement included twice is listed twice).</summary>
    public IReadOnlyList<string> Statements { get; }

    /// <summary>The variables pgbench must be given (-D), in order of first use: those it reads before any <c>\set</c> of them.</summary>
    public IReadOnlyList<string> Variables => [.. _reads.Select(r => r.Name).Distinct(StringComparer.Ordinal)];

    /// <summary>Expands bench/pgbench/<paramref name="name"/>; throws on a missing statement or a malformed directive.</summary>
    public static PgbenchScript Expand(BenchPaths paths, string name)
    {
        var template = paths.PgbenchScript(name);
        if (!File.Exists(template))
        {
            throw new InvalidOperationException($"No pgbench script {template}.");
        }

        var output = new StringBuilder();
        var statements = new List<string>();
        var bound = new Dictionary<string, (string Expression, int Line, bool Used)>(StringComparer.Ordinal);
        var withNext = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = File.ReadAllLines(template);
        for (var number = 1; number <= lines.Length; number++)
        {
            var line = lines[number - 1].TrimEnd();
            var where = $"bench/pgbench/{name}:{number}";
            var directive = Directive().Match(line);
            if (directive.Success && directive.Groups[1].Value == "include")
            {
                var statement = directive.Groups[2].Value.Trim();
                output.Append(Include(paths, statement, bound, withNext, where)).Append(";\n");
                statements.Add(statement);
                withNext.Clear();
            }
            else if (directive.Success)
            {
                var binding = Binding().Match(directive.Groups[2].Value.Trim());
                if (!binding.Success)
                {
                    throw new InvalidOperationException($"{where}: expected \"-- {directive.Groups[1].Value}: name = expression\".");
                }

                var (parameter, expression) = (binding.Groups[1].Value, binding.Groups[2].Value.Trim());
                if (directive.Groups[1].Value == "with")
                {
                    if (!withNext.TryAdd(parameter, expression))
                    {
                        throw new InvalidOperationException($"{where}: :{parameter} is given twice for the same include.");
                    }
                }
                else
                {
                    if (bound.TryGetValue(parameter, out var earlier) && !earlier.Used)
                    {
                        throw new InvalidOperationException($"{where}: the bind of :{parameter} on line {earlier.Line} was never used.");
                    }

                    bound[parameter] = (expression, number, false);
                }
            }
            else if (line.TrimStart().StartsWith("--", StringComparison.Ordinal) || line.Trim().Length == 0)
            {
                // A comment: the expanded script holds only what pgbench runs.
            }
            else if (withNext.Count > 0)
            {
                throw new InvalidOperationException($"{where}: \"-- with:\" lines must be followed by an include.");
            }
            else
            {
                output.Append(line).Append('\n');
            }
        }

        if (withNext.Count > 0)
        {
            throw new InvalidOperationException($"bench/pgbench/{name}: \"-- with:\" lines at the end, with no include after them.");
        }

        if (bound.FirstOrDefault(b => !b.Value.Used) is { Key: { } unused, Value.Line: var unusedLine })
        {
            throw new InvalidOperationException($"bench/pgbench/{name}:{unusedLine}: no include after it has the parameter :{unused}.");
        }

        var text = output.ToString();
        return new PgbenchScript(name, text, statements, Reads(text));
    }

    /// <summary>
    /// Throws unless every variable the script needs is among <paramref name="defines"/> (the -D variables), naming
    /// each missing one and the line of the expanded script that reads it first, and unless pgbench takes every
    /// define (it refuses an empty value: such a parameter needs a binding, <c>''</c> say).
    /// </summary>
    public void Check(IReadOnlyDictionary<string, string> defines)
    {
        var missing = _reads.Where(r => !defines.ContainsKey(r.Name)).DistinctBy(r => r.Name).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"bench/pgbench/{Name}: neither bound, nor set, nor given with -D: " +
                string.Join(", ", missing.Select(m => FormattableString.Invariant($":{m.Name} (line {m.Line} of the expanded script)"))) + ".");
        }

        var refused = defines.Where(d => !PgbenchVariable().IsMatch(":" + d.Key) || d.Value.Length == 0).Select(d => d.Key).ToList();
        if (refused.Count > 0)
        {
            throw new InvalidOperationException($"bench/pgbench/{Name}: pgbench refuses -D for {string.Join(", ", refused)} (an empty value, or not a variable name).");
        }
    }

    /// <summary>Writes the expanded script as <c>pgbench-&lt;name&gt;</c> into <paramref name="directory"/> and returns its path.</summary>
    public string WriteTo(string directory)
    {
        var path = Path.Combine(directory, "pgbench-" + Name);
        File.WriteAllText(path, Text);
        return path;
    }

    private static string Include(
        BenchPaths paths, string statement, Dictionary<string, (string Expression, int Line, bool Used)> bound,
        Dictionary<string, string> withNext, string where)
    {
        var file = paths.ServiceStatement(statement);
        if (!StatementName().IsMatch(statement) || !File.Exists(file))
        {
            throw new InvalidOperationException($"{where}: include {statement}: there is no {file}.");
        }

        var text = SqlTemplate.Expand(File.ReadAllText(file));
        if (UnknownPlaceholder().Match(text) is { Success: true } placeholder)
        {
            throw new InvalidOperationException($"{where}: include {statement}: SqlTemplate does not expand {placeholder.Value}.");
        }

        var parameters = SqlTemplate.ParameterNames(text);
        if (withNext.Keys.FirstOrDefault(p => !parameters.Contains(p)) is { } stray)
        {
            throw new InvalidOperationException($"{where}: {statement} has no parameter :{stray} (it has {string.Join(", ", parameters.Select(p => ":" + p))}).");
        }

        return SqlTemplate.ReplaceParameters(text, parameter =>
        {
            if (withNext.TryGetValue(parameter, out var expression))
            {
                return expression;
            }

            if (bound.TryGetValue(parameter, out var binding))
            {
                bound[parameter] = binding with { Used = true };
                return binding.Expression;
            }

            return null;
        });
    }

    /// <summary>
    /// The variables <paramref name="text"/> reads before setting them (in a line that comes before its <c>\set</c>,
    /// since every transaction runs the script from the top), with the line of the first read; pgbench's own excluded.
    /// </summary>
    private static List<(string Name, int Line)> Reads(string text)
    {
        var set = new HashSet<string>(Automatic, StringComparer.Ordinal);
        var reads = new List<(string, int)>();
        var lines = text.Split('\n');
        for (var number = 1; number <= lines.Length; number++)
        {
            var line = lines[number - 1];
            foreach (Match variable in PgbenchVariable().Matches(line))
            {
                if (!set.Contains(variable.Groups[1].Value))
                {
                    reads.Add((variable.Groups[1].Value, number));
                }
            }

            if (SetCommand().Match(line) is { Success: true } assignment)
            {
                set.Add(assignment.Groups[1].Value);
            }
        }

        return reads;
    }

    [GeneratedRegex(@"^\s*--\s*(include|bind|with):(.*)$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^([a-z_][a-z0-9_]*)\s*=\s*(\S.*)$")]
    private static partial Regex Binding();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*$")]
    private static partial Regex StatementName();

    // A placeholder of a type SqlTemplate does not know stays in the text as it is.
    [GeneratedRegex(@"\{[A-Z][A-Za-z]*\.[A-Z][A-Za-z]*\}")]
    private static partial Regex UnknownPlaceholder();

    // As pgbench reads variables, in SQL (even inside quotes) and in meta-commands: a colon not part of "::",
    // then a letter or underscore and any letters, digits and underscores.
    [GeneratedRegex(@"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex PgbenchVariable();

    [GeneratedRegex(@"^\s*\\set\s+([A-Za-z_][A-Za-z0-9_]*)\s")]
    private static partial Regex SetCommand();
}
