/**
 * The one table of what a database error's code means, for every program
 * that talks to PostgreSQL: the seed, the boot's wait and migration check, the
 * doctor and the schema engine. A fault is said by up to four layers, each
 * with its own code: PostgreSQL's SQLSTATE, Node's errno, Prisma's P-code and
 * the pg driver adapter's error kind. Each program words its own lines from
 * the predicates below.
 */

interface FaultCodes {
  sqlstate?: readonly string[];
  errno?: readonly string[];
  prisma?: readonly string[];
  adapter?: readonly string[];
}

export const DATABASE_FAULTS = {
  /** Nothing answers at that address, now or at all. */
  unreachable: {
    errno: ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"],
    prisma: ["P1001"],
    adapter: ["DatabaseNotReachable"],
  },
  /** A connection was made, or being made, and then cut off or timed out. */
  cutOff: { errno: ["ECONNRESET", "ETIMEDOUT"] },
  /** The server did not answer in time. */
  timedOut: { errno: ["ETIMEDOUT"], prisma: ["P1002"] },
  /** An open connection was lost: its backend terminated (shutdown, crash, restart), reset, or a broken pipe while sending. */
  lost: { sqlstate: ["57P01", "57P02", "57P03"], errno: ["ECONNRESET", "EPIPE"], adapter: ["ConnectionClosed"] },
  /** The server is starting up or shutting down: not yet. */
  startingUp: { sqlstate: ["57P03"] },
  /** Wrong password, no such role, a role that may not log in, or pg_hba.conf says no. */
  badCredentials: { sqlstate: ["28P01", "28000"], prisma: ["P1000"], adapter: ["AuthenticationFailed"] },
  /** The database named in the URL does not exist (yet). */
  noSuchDatabase: { sqlstate: ["3D000"], prisma: ["P1003"], adapter: ["DatabaseDoesNotExist"] },
  /** A table is not there: flip-db's before the first migration, or `_prisma_migrations` before anything was migrated. */
  noSuchTable: { sqlstate: ["42P01"], prisma: ["P2021"], adapter: ["TableDoesNotExist"] },
  /** Prisma's interactive transaction outlived its timeout. */
  transactionTimedOut: { prisma: ["P2028"] },
} as const satisfies Record<string, FaultCodes>;

export type DatabaseFault = keyof typeof DATABASE_FAULTS;

function codesOf(fault: DatabaseFault): readonly string[] {
  const codes: FaultCodes = DATABASE_FAULTS[fault];
  return [...(codes.sqlstate ?? []), ...(codes.errno ?? []), ...(codes.prisma ?? []), ...(codes.adapter ?? [])];
}

/** Whether any of `codes` (from any layer) says `fault`. */
export function saysFault(fault: DatabaseFault, ...codes: (string | undefined)[]): boolean {
  const known = codesOf(fault);
  return codes.some((code) => code !== undefined && known.includes(code));
}

/** The P-code the native schema engine reports `fault` with, for the Prisma CLI. */
export function prismaCodeFor(fault: "unreachable" | "badCredentials" | "noSuchDatabase"): string {
  return DATABASE_FAULTS[fault].prisma[0];
}

/** Whether `code` says the server could not be reached, or not for long enough to answer: waiting may help. */
export function isUnreachable(code: string | undefined): boolean {
  return saysFault("unreachable", code) || saysFault("cutOff", code);
}

/** Whether `code` is a credentials fault: waiting or retrying will not help. */
export function isCredentialsFault(code: string | undefined): boolean {
  return saysFault("badCredentials", code);
}

/** Whether `code` says the database named in the URL does not exist. */
export function isNoSuchDatabase(code: string | undefined): boolean {
  return saysFault("noSuchDatabase", code);
}

/** Whether `code` says a table is not there. */
export function isNoSuchTable(code: string | undefined): boolean {
  return saysFault("noSuchTable", code);
}

/** Whether `code` says the server is starting up or shutting down. */
export function isStartingUp(code: string | undefined): boolean {
  return saysFault("startingUp", code);
}
