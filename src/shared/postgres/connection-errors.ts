/**
 * The one table of what a failed PostgreSQL connection's code means, for
 * every program that connects: the seed, the boot's wait, the schema engine.
 */

/** Node's network errors: nothing answers at that address, now or at all. */
export const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/** Node's network errors: a connection was made, or being made, and then cut off or timed out. */
export const CUT_OFF = new Set(["ECONNRESET", "ETIMEDOUT"]);

/** PostgreSQL's SQLSTATEs for the connection's own faults. */
export const PG = {
  /** The server is starting up or shutting down: not yet. */
  cannotConnectNow: "57P03",
  /** The database named in the URL does not exist (yet). */
  noSuchDatabase: "3D000",
  /** Wrong password, or no such role. */
  badPassword: "28P01",
  /** The role may not log in, or pg_hba.conf says no. */
  notAuthorized: "28000",
} as const;

/** Whether `code` says the server could not be reached, or not for long enough to answer. */
export function isUnreachable(code: string): boolean {
  return UNREACHABLE.has(code) || CUT_OFF.has(code);
}

/** Whether `code` is a credentials fault: waiting or retrying will not help. */
export function isCredentialsFault(code: string): boolean {
  return code === PG.badPassword || code === PG.notAuthorized;
}
