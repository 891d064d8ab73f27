import { EXIT_FATAL, SeedError } from "./SeedError.js";

/** `--strict` was given and at least one user was skipped; nothing was written. */
export class StrictModeError extends SeedError {
  override name = "StrictModeError" as const;
  readonly code = "STRICT_SKIPPED";
  readonly exitCode = EXIT_FATAL;
}
