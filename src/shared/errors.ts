/**
 * flip-db's one error model. Every error it reports to an operator, from any
 * of its programs, is a `FlipDbError`: `problems` holds one line per problem,
 * each saying what is wrong and what to fix (never a secret), and `code` is a
 * stable identifier for log searches and the JSON report. What a command does
 * with one (its exit code) is the command line's business: see cli/exit-codes.ts.
 */

/** Every code a `FlipDbError` may carry. */
export type ErrorCode =
  /** The command line is wrong: an unknown flag, a flag without its value, a stray argument. */
  | "USAGE"
  /** Environment variables are missing or malformed. */
  | "CONFIG_INVALID"
  /** The users manifest cannot be read or is invalid. */
  | "MANIFEST_INVALID"
  /** The identity directory cannot be used at all: wrong pool, bad credentials, missing permission, a bug. */
  | "DIRECTORY_FATAL"
  /** The identity directory could not answer just now: throttling, a server fault, a timeout, the network. */
  | "DIRECTORY_TRANSIENT"
  /** The database could not be reached or refused the seed's transaction. */
  | "DATABASE_FATAL"
  /** The database did not come up in time to boot, or refused in a way waiting cannot fix. */
  | "DATABASE_UNAVAILABLE"
  /** Strict mode was asked for and at least one user was skipped. */
  | "STRICT_SKIPPED"
  /** flip-db-deploy: `prisma migrate deploy` failed, so the seed was not run. */
  | "MIGRATION_FAILED"
  /** flip-db-deploy: the seed it ran failed (its own lines, with their codes, come first). */
  | "SEED_FAILED"
  /** The offline schema engine could not connect, or panicked. */
  | "SCHEMA_ENGINE"
  /** The local stack (a development tool) cannot start on this machine as it is. */
  | "LOCAL_STACK"
  /** Anything else: a bug, never passed off as something to skip. */
  | "UNEXPECTED";

/**
 * The string `code` that Node's, pg's and Prisma's errors carry (an errno,
 * a SQLSTATE, a P-code); `undefined` for anything without one.
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export abstract class FlipDbError extends Error {
  abstract readonly code: ErrorCode;

  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(problems.join("; "), options);
  }
}

/**
 * Something was thrown that flip-db does not know how to handle: a bug.
 * `cause` holds what was thrown.
 */
export class UnexpectedError extends FlipDbError {
  override name = "UnexpectedError" as const;
  readonly code = "UNEXPECTED";

  /** `error` as a FlipDbError: itself if it is one, an UnexpectedError around it otherwise. */
  static wrap(error: unknown): FlipDbError {
    if (error instanceof FlipDbError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new UnexpectedError([`unexpected error: ${message}: this is a bug`], { cause: error });
  }
}
