using System.Xml.Linq;
using Approvals.Api.Persistence.Sql;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// Keeps ASP.NET Core Data Protection's key ring (the keys of the session, antiforgery and notice cookies) in
/// <c>data_protection_keys</c>, so every instance behind one address reads the cookies another wrote, and a restart
/// signs nobody out. The framework reads the ring at start and about once a day, and adds a key every 90 days, through
/// this synchronous interface: on a session data source without multiplexing, which cannot run synchronous commands.
/// The keys are stored as the framework hands them over: encrypted to a certificate when <c>Web:KeyRing</c> names one
/// (<see cref="Web.KeyRingProtection"/>), otherwise unencrypted, and then whoever can read the database can forge sessions.
/// </summary>
public sealed class DataProtectionKeyStore([FromKeyedServices(DatabaseSetup.SessionDataSource)] NpgsqlDataSource dataSource) : IXmlRepository
{
    private static readonly SqlStatement AllSql = SqlStatement.Get("DataProtectionKeysAll");
    private static readonly SqlStatement InsertSql = SqlStatement.Get("DataProtectionKeyInsert");

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = dataSource.OpenConnection();
        using var command = new NpgsqlCommand(AllSql.Text, connection);
        using var reader = command.ExecuteReader();
        var keys = new List<XElement>();
        while (reader.Read())
        {
            keys.Add(XElement.Parse(reader.GetString(0)));
        }

        return keys;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = dataSource.OpenConnection();
        using var command = InsertSql.Bind(new NpgsqlCommand(InsertSql.Text, connection),
            ("friendly_name", Text(friendlyName)), ("xml", Value(element.ToString(SaveOptions.DisableFormatting))));
        command.ExecuteNonQuery();
    }
}
