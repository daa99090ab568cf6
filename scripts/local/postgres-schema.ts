import pg from 'pg';

/**
 * `databaseUrl` with `options=-c search_path=<schema>`: every connection made with it works in
 * that schema (the server migrates it and keeps its tables there).
 */
export function schemaUrl(databaseUrl: string, schema: string): string {
  const options = encodeURIComponent(`-c search_path=${schema}`);
  return `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${options}`;
}

/** Runs one statement on a connection of its own; resolves with its rows. */
export async function runStatement<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
  { connectTimeoutMs = 0 } = {},
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => {}); // a connection lost meanwhile fails the query below instead
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
