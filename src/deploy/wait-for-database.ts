/**
 * Waits for PostgreSQL to accept connections, for a bounded time: a platform
 * booting beside its database should not fail only because the database came
 * up a few seconds later. Time and I/O come in as dependencies, so tests need
 * neither a database nor real waiting.
 */
import { errorCode, FlipDbError } from "../shared/errors.js";
import { describeTlsFailure, isCredentialsFault, isNoSuchDatabase, isStartingUp, isUnreachable } from "../shared/postgres/error-codes.js";

export interface WaitDependencies {
  /** Resolves once the server accepts a connection; rejects with the driver's error otherwise. */
  checkConnection(): Promise<void>;
  log(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The database gave up being waited for, or refused for a reason waiting cannot fix. */
export class DatabaseWaitError extends FlipDbError {
  override name = "DatabaseWaitError" as const;
  readonly code = "DATABASE_UNAVAILABLE";
}

/** The database waited for: where it is and the variable that names it, for messages. */
export interface WaitTarget {
  location: string;
  variable: string;
}

/** Errors that mean "not up yet": waiting may help. */
const notYet = (code: string) => isUnreachable(code) || isStartingUp(code);
/** Errors that mean the server is up: the connection itself worked (`migrate deploy` creates a missing database). */
const isUp = (code: string) => isNoSuchDatabase(code);
const TIMEOUT_MESSAGE = /timeout|Connection terminated/i;

function codeOf(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error && TIMEOUT_MESSAGE.test(error.message) ? "ETIMEDOUT" : "unknown error");
}

/**
 * Returns once PostgreSQL accepts connections (a database that does not exist
 * yet counts: `migrate deploy` creates it), or throws DatabaseWaitError after
 * `timeoutSeconds`, or at once for a fault waiting cannot fix (credentials).
 */
export async function waitForDatabase(target: WaitTarget, timeoutSeconds: number, deps: WaitDependencies): Promise<void> {
  const { location, variable } = target;
  const started = deps.now();
  const deadline = started + timeoutSeconds * 1_000;
  let delay = 250;
  let lastLog = -Infinity;
  for (;;) {
    let code: string;
    try {
      await deps.checkConnection();
      code = "ok";
    } catch (error) {
      code = codeOf(error);
      // TLS fails the same way every try: say so at once, in words.
      const tls = describeTlsFailure(error, variable);
      if (tls !== undefined) throw new DatabaseWaitError([`PostgreSQL at ${location} cannot be used over TLS: ${tls}`]);
      if (!isUp(code) && !notYet(code)) {
        throw new DatabaseWaitError([
          isCredentialsFault(code)
            ? `PostgreSQL at ${location} refused the credentials in ${variable}: check its user and password`
            : `PostgreSQL at ${location} cannot be used (${code}): check ${variable}`,
        ]);
      }
    }
    const elapsed = deps.now() - started;
    if (code === "ok" || isUp(code)) {
      deps.log(`PostgreSQL at ${location} accepts connections${elapsed >= 1_000 ? ` (after ${(elapsed / 1_000).toFixed(1)} s)` : ""}`);
      return;
    }
    const left = deadline - deps.now();
    if (left <= 0) {
      throw new DatabaseWaitError([
        `PostgreSQL at ${location} did not accept connections within ${timeoutSeconds} s (last: ${code}): ` +
          `check ${variable} and that the database is up, or wait longer with --wait-for-db <seconds>`,
      ]);
    }
    if (deps.now() - lastLog >= 5_000) {
      deps.log(`waiting for PostgreSQL at ${location} (${code}), ${Math.ceil(left / 1_000)} s left`);
      lastLog = deps.now();
    }
    await deps.sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, 2_000);
  }
}
