/**
 * The probe behind transaction-pooler.ts's verdict: two connections to one
 * URL, open at once, taking turns at a handful of one-statement transactions
 * (PROBE_SCHEDULE). Nothing is written: the token lives in a custom setting of
 * whichever session ran the statement, and a session of PostgreSQL's own ends
 * with its connection.
 */
import { randomBytes } from "node:crypto";

import type pg from "pg";

import { withPgClient, type PgConnection } from "./client.js";
import { judgeSessions, PROBE_SCHEDULE, type PoolerVerdict, type SessionReading } from "./transaction-pooler.js";

/** A custom setting (its prefix keeps it clear of PostgreSQL's own): session-scoped, visible to nothing else. */
const PROBE_SETTING = "flip_db.pooler_probe";

interface PidAndSetting {
  pid: number;
  setting: string | null;
}

async function read(client: pg.Client, sql: string, values: unknown[]): Promise<PidAndSetting> {
  const { rows } = await client.query<PidAndSetting>(sql, values);
  const row = rows[0];
  if (row === undefined) throw new Error("the pooler probe's statement returned no row");
  return row;
}

/**
 * Whether `connection` reaches PostgreSQL through a transaction-mode pooler.
 * Rejects with pg's error when it cannot connect or a statement fails: the
 * caller decides what an unanswered probe means.
 */
export function probeTransactionPooler(connection: PgConnection): Promise<PoolerVerdict> {
  const token = randomBytes(12).toString("hex");
  return withPgClient(connection, (first) =>
    withPgClient(connection, async (second) => {
      const clients = { first, second };
      const readings: SessionReading[] = [];
      for (const [index, name] of PROBE_SCHEDULE.entries()) {
        // Each statement is a transaction of its own; only the very first sets the token.
        const row =
          index === 0
            ? await read(clients[name], "SELECT pg_backend_pid() AS pid, set_config($1, $2, false) AS setting", [PROBE_SETTING, token])
            : await read(clients[name], "SELECT pg_backend_pid() AS pid, current_setting($1, true) AS setting", [PROBE_SETTING]);
        // current_setting(…, true) answers '' in a session where the setting was once defined and then reset.
        readings.push({ connection: name, backendPid: row.pid, setting: row.setting === "" ? null : row.setting });
      }
      return judgeSessions(token, readings);
    }),
  );
}
