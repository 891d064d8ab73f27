/**
 * A database failure in the seed's words: what Prisma, its pg adapter or pg
 * threw, mapped to one line that says what to fix. The doctor words its
 * database checks the same way.
 */
import { saysFault, tlsFailureLine, type DatabaseFault } from "../shared/postgres/error-codes.js";
import { DatabaseError } from "./DatabaseError.js";

/** Where Prisma, its pg adapter and Node nest the error they wrap. */
const NESTED = ["cause", "meta", "driverAdapterError"] as const;

/**
 * The codes (pg's SQLSTATE, Node's errno, Prisma's P-code, the adapter's
 * error kind) and messages of an error and of everything nested in it.
 */
function describeChain(error: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 6 || !value || typeof value !== "object") return;
    const { code, kind, originalCode, message, originalMessage } = value as Record<string, unknown>;
    for (const candidate of [code, kind, originalCode]) if (typeof candidate === "string") codes.push(candidate);
    for (const candidate of [message, originalMessage]) if (typeof candidate === "string") messages.push(candidate);
    for (const key of NESTED) visit((value as Record<string, unknown>)[key], depth + 1);
  };
  visit(error, 0);
  return { codes, messages };
}

/**
 * What went wrong with the database, in one line that says what to fix, for
 * the errors this table knows; `undefined` for any other. Never holds the URL
 * or its password: only the host and port. `variable` names the URL's
 * variable (the doctor also checks DIRECT_URL).
 */
export function describeDatabaseProblem(error: unknown, where: string, variable = "DATABASE_URL"): string | undefined {
  const { codes, messages } = describeChain(error);
  const has = (fault: DatabaseFault) => saysFault(fault, ...codes);
  // pg reports its own timeouts and dropped connections by message only.
  const says = (pattern: RegExp) => messages.some((message) => pattern.test(message));
  const tls = tlsFailureLine(codes, messages, variable);
  if (tls !== undefined) return `the database at ${where} cannot be used over TLS: ${tls}`;
  if (has("unreachable")) {
    return `cannot reach the database at ${where}: check ${variable} and that PostgreSQL is running`;
  }
  if (has("badCredentials")) {
    return `the database at ${where} refused the credentials in ${variable}: check its user and password`;
  }
  if (has("noSuchDatabase")) {
    return `the database named in ${variable} does not exist at ${where}: run npx prisma migrate deploy first`;
  }
  if (has("noSuchTable")) {
    return "the seed's tables do not exist: run npx prisma migrate deploy before the seed";
  }
  if (has("timedOut") || says(/connection timeout|timeout expired/i)) {
    return `the database at ${where} did not answer in time: check the network and SEED_DATABASE_CONNECT_TIMEOUT_MS`;
  }
  // A backend terminated mid-statement shows as 57P01, a reset, or a broken pipe when the seed was still sending.
  if (has("lost") || says(/Connection terminated unexpectedly|terminating connection|connection error and is not queryable/i)) {
    return `the connection to the database at ${where} was lost`;
  }
  if (has("transactionTimedOut")) {
    return "the seed's transaction timed out (another replica may hold the seed lock): see SEED_TRANSACTION_TIMEOUT_MS";
  }
  return undefined;
}

/** Prisma opens its messages with this header; the reason comes after it. */
const PRISMA_HEADER = /^Invalid `.*` invocation:?$/;

/** The line of an error's message that says what happened: its first, past Prisma's header. */
export function reasonLine(error: unknown): string | undefined {
  return (error instanceof Error ? error.message : String(error))
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line !== "" && !PRISMA_HEADER.test(line));
}

/**
 * The seed's fatal error for whatever Prisma, its pg adapter or pg threw, at
 * `location` (the client's, never its URL). The transaction was rolled back in every case.
 */
export function toDatabaseError(error: unknown, location: string): DatabaseError {
  const message = reasonLine(error);
  const problem =
    describeDatabaseProblem(error, location) ?? `the database failed during the seed's transaction (${message ?? "no message"})`;
  return new DatabaseError([`database: ${problem}; nothing was written`], { cause: error });
}
