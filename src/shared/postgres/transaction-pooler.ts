/**
 * Whether a URL reaches PostgreSQL through a transaction-mode pooler
 * (PgBouncer's `pool_mode = transaction`, and the like), judged from what the
 * probe (pooler-probe.ts) saw. Pure: readings in, verdict out.
 *
 * Why it matters: Prisma Migrate serialises replicas with a session-scoped
 * advisory lock. A transaction pooler hands one PostgreSQL session to many
 * clients in turn, so that lock is taken in one client's turn, held on behalf
 * of whoever gets that session next, and released (or not) in another: two
 * replicas migrate at once (42P07) or wait out Prisma's 10 s lock time-out.
 *
 * How it is told: a connection to PostgreSQL itself, or through a session-mode
 * pooler, is one session for its whole life. Two such connections open at once
 * are two sessions: each keeps its own backend pid and its own settings, and
 * neither sees the other's. A transaction pooler breaks one of those rules
 * whenever it hands a session to another client or another session to the same
 * client, and its usual policies do so within a few statements (see
 * PROBE_SCHEDULE). Every rule below is one PostgreSQL guarantees for sessions,
 * so a "pooler" verdict is never wrong; a pooler that keeps each client on
 * one session for the probe's few statements (by chance under other load, or
 * by design, as RDS Proxy pins a client that changes a setting) is not seen.
 */
import type { MigrationUrlVariable } from "../config/environment.js";

/** Which of the probe's two connections, open at once, made a reading. */
export type ProbeConnection = "first" | "second";

/** One statement's view of its session. */
export interface SessionReading {
  connection: ProbeConnection;
  /** `pg_backend_pid()`: the PostgreSQL session that ran the statement. */
  backendPid: number;
  /** The probe's setting as the statement left it (null: not set in that session). */
  setting: string | null;
}

/**
 * The order of the probe's statements: the first connection sets a token,
 * then both read, never at the same time. Two readings of the first in a row
 * (positions 2 and 3) catch a pooler that hands out sessions in turn
 * (`server_round_robin`); the second's readings between them catch one that
 * hands the last-used session to the next client (PgBouncer's default).
 */
export const PROBE_SCHEDULE: readonly ProbeConnection[] = ["first", "second", "first", "first", "second", "first"];

export type PoolerVerdict = { transactionPooler: false } | { transactionPooler: true; evidence: string };

/** The first rule `readings` break, in words; `token` is what the first connection set. */
export function judgeSessions(token: string, readings: readonly SessionReading[]): PoolerVerdict {
  const pooler = (evidence: string): PoolerVerdict => ({ transactionPooler: true, evidence });
  const of = (connection: ProbeConnection) => readings.filter((reading) => reading.connection === connection);
  for (const connection of ["first", "second"] as const) {
    const pids = [...new Set(of(connection).map((reading) => reading.backendPid))];
    if (pids.length > 1) return pooler(`one connection's statements ran in PostgreSQL sessions ${pids.join(" and ")}`);
  }
  const shared = of("first").find((first) => of("second").some((second) => second.backendPid === first.backendPid));
  if (shared) return pooler(`two connections open at once shared PostgreSQL session ${shared.backendPid}`);
  if (of("second").some((reading) => reading.setting === token)) return pooler("a setting made on one connection showed on another");
  if (of("first").some((reading) => reading.setting !== token)) return pooler("a connection lost a setting it had made");
  return { transactionPooler: false };
}

/** The one line deploy and the doctor say when migrations would go through a transaction pooler. */
export function transactionPoolerProblem(variable: MigrationUrlVariable, location: string, evidence: string): string {
  const fix =
    variable === "DIRECT_URL"
      ? "point DIRECT_URL at PostgreSQL itself"
      : "set DIRECT_URL to PostgreSQL itself (the seed keeps using DATABASE_URL)";
  return (
    `${variable} reaches ${location} through a transaction-mode pooler (${evidence}): ` +
    `migrations need a direct connection, as Prisma Migrate's lock lasts a session: ${fix}`
  );
}
