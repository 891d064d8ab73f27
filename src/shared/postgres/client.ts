/**
 * One short pg connection for one piece of work, as the tools around the seed
 * need them (waiting for the database, reading the migration history, the
 * doctor's probes).
 */
import pg from "pg";

export interface PgConnection {
  url: string;
  /** How long to wait for the server to accept the connection, and for each query's answer. */
  timeoutMs: number;
  /** How the connection shows in `pg_stat_activity`, unless the URL sets application_name. */
  applicationName: string;
}

/** Connects, runs `work`, and ends the connection, whatever happens. */
export async function withPgClient<T>(connection: PgConnection, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: connection.url,
    connectionTimeoutMillis: connection.timeoutMs,
    // A server that accepts the connection and then says nothing must not hold the caller either.
    query_timeout: connection.timeoutMs,
    fallback_application_name: connection.applicationName,
  });
  // A connection dropped after the answer arrives as an 'error' event: not worth a crash.
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}
