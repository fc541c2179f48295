using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Eventer.ServiceDefaults;

/// <summary><c>ConnectionStrings:postgres</c>, checked when the service is built.</summary>
public static class PostgresConnection
{
    /// <summary>The configuration key.</summary>
    public const string Key = "ConnectionStrings:postgres";

    /// <summary>
    /// Returns the connection string, or stops the service with a message naming the key when it
    /// is missing or malformed. The message never repeats the value: it holds a password.
    /// </summary>
    public static string Read(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString("postgres");
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new EventerConfigurationException(Key, "is required, e.g. Host=postgres;Database=eventer;Username=eventer;Password=…");
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                throw new EventerConfigurationException(Key, "names no Host");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new EventerConfigurationException(Key, "is not a valid Npgsql connection string (Key=Value pairs separated by ';')");
        }

        return value;
    }
}
