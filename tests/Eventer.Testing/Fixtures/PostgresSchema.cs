using Npgsql;

namespace Eventer.Testing.Fixtures;

/// <summary>What a schema is made of, for comparing two ways of making it (EF Core migrations, their SQL script).</summary>
public static class PostgresSchema
{
    /// <summary>Columns (type, nullability, default, identity), constraints and indexes of <paramref name="schema"/>, one sorted line each.</summary>
    public static async Task<List<string>> DescribeAsync(string connectionString, string schema)
    {
        const string sql = """
            SELECT format('column %s.%s %s null=%s default=%s identity=%s', table_name, column_name, data_type, is_nullable, column_default, identity_generation)
              FROM information_schema.columns WHERE table_schema = $1
            UNION ALL
            SELECT format('constraint %s %s', conname, pg_get_constraintdef(c.oid))
              FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1
            UNION ALL
            SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = $1
            ORDER BY 1
            """;
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }
}
