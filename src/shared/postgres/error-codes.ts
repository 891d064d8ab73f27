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

/**
 * What each TLS failure means, in words an operator reads, and what to set:
 * by Node's certificate code, or by its message where a wrapper kept only
 * that (Prisma's P1011 "Error opening a TLS connection: ..."), or pg's
 * message for a server without TLS (pg gives that one no code). `variable`
 * names the URL's variable.
 */
const TLS_FAILURES: readonly { codes: readonly string[]; message: RegExp; line: (variable: string) => string }[] = [
  {
    codes: [
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "UNABLE_TO_GET_ISSUER_CERT",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "CERT_SIGNATURE_FAILURE",
    ],
    message:
      /unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|certificate signature failure/i,
    line: (variable) =>
      `the server's TLS certificate is not signed by the CA in sslrootcert (without sslrootcert, by a CA Node trusts): put the server's CA in ${variable}'s sslrootcert`,
  },
  {
    codes: ["ERR_TLS_CERT_ALTNAME_INVALID"],
    message: /Hostname\/IP does not match certificate's altnames/i,
    line: (variable) =>
      `the server's TLS certificate does not name the host in ${variable}: connect by a name the certificate holds, or set sslmode=verify-ca to check the CA only`,
  },
  {
    codes: ["CERT_HAS_EXPIRED"],
    message: /certificate has expired/i,
    line: () => "the server's TLS certificate has expired: renew it on the server",
  },
  {
    codes: ["CERT_NOT_YET_VALID"],
    message: /certificate is not yet valid/i,
    line: () => "the server's TLS certificate is not valid yet: check the clocks of the server and of this host",
  },
  {
    codes: [],
    message: /server does not support SSL/i,
    line: (variable) => `the server does not accept TLS: set sslmode=disable in ${variable}, or turn ssl on in the server`,
  },
];

/** The codes and messages of an error and of the errors it wraps. */
function chainOf(error: unknown): { code?: unknown; message?: unknown }[] {
  const chain: { code?: unknown; message?: unknown; cause?: unknown }[] = [];
  let value = error;
  while (value !== null && typeof value === "object" && chain.length < 6) {
    const link = value as { code?: unknown; message?: unknown; cause?: unknown };
    chain.push(link);
    value = link.cause;
  }
  return chain;
}

/** The line for a TLS failure among `codes` and `messages` (an error's and those it wraps); `undefined` for none. */
export function tlsFailureLine(codes: readonly string[], messages: readonly string[], variable = "DATABASE_URL"): string | undefined {
  const failure = TLS_FAILURES.find(
    ({ codes: known, message }) => codes.some((code) => known.includes(code)) || messages.some((text) => message.test(text)),
  );
  return failure?.line(variable);
}

/** The line for a TLS failure, with what to set; `undefined` for an error that is not one. */
export function describeTlsFailure(error: unknown, variable = "DATABASE_URL"): string | undefined {
  const chain = chainOf(error);
  const strings = (values: unknown[]) => values.filter((value): value is string => typeof value === "string");
  return tlsFailureLine(strings(chain.map((link) => link.code)), strings(chain.map((link) => link.message)), variable);
}
