import BetterSqlite3 from 'better-sqlite3';

/** Rows in `score_ledger`, read through a separate read-only connection. */
export function ledgerRows(databaseFile: string): number {
  const db = new BetterSqlite3(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT count(*) AS n FROM score_ledger').get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}
