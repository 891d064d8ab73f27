import { EXIT_FATAL, SeedError } from "./SeedError.js";

/**
 * The identity directory (Cognito) cannot be used at all: wrong pool, bad
 * credentials, missing permission, an invalid request, or a bug. The seed
 * stops before writing anything. The message says what to fix.
 */
export class FatalDirectoryError extends SeedError {
  override name = "FatalDirectoryError" as const;
  readonly code = "DIRECTORY_FATAL";
  readonly exitCode = EXIT_FATAL;
}
