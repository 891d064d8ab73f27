import { EXIT_FATAL, SeedError } from "./SeedError.js";

/**
 * Something the seed does not know how to handle was thrown: a bug, never a
 * skipped user. `cause` holds what was thrown; nothing was written.
 */
export class UnexpectedError extends SeedError {
  override name = "UnexpectedError" as const;
  readonly code = "UNEXPECTED";
  readonly exitCode = EXIT_FATAL;

  /** `error` as a SeedError: itself if it is one, an UnexpectedError around it otherwise. */
  static wrap(error: unknown): SeedError {
    if (error instanceof SeedError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new UnexpectedError([`unexpected error: ${message}: this is a bug`], { cause: error });
  }
}
