import { FlipDbError } from "../shared/errors.js";

/** Strict mode (`--strict`) was asked for and at least one user was skipped; nothing was written. */
export class StrictModeError extends FlipDbError {
  override name = "StrictModeError" as const;
  readonly code = "STRICT_SKIPPED";
}
