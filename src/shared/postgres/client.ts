/**
 * One short pg connection for one piece of work, as every program that talks
 * to PostgreSQL outside Prisma's client needs them (waiting for the database,
 * reading the migration history, the doctor's probes, the schema engine's
 * one-shot commands, the local stack): connect, run, end, whatever happens.
 */
import pg from "pg";

import { clientConfigOf } from "./location.js";

export type PgConnection = ({ url: string } | { config: pg.ClientConfig }) & {
  /** How long to wait for the server to accept the connection. */
  timeoutMs?: number;
  /** How long to wait for each query's answer: a server that accepts and then says nothing must not hold the caller. */
  queryTimeoutMs?: number;
  /** How the connection shows in `pg_stat_activity`, unless the URL sets application_name. */
  applicationName?: string;
};

/** Connects, runs `work`, and ends the connection, whatever happens. */
export async function withPgClient<T>(connection: PgConnection, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    ...("url" in connection ? clientConfigOf(connection.url) : connection.config),
    connectionTimeoutMillis: connection.timeoutMs,
    query_timeout: connection.queryTimeoutMs,
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
