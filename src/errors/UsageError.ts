import { EXIT_USAGE, SeedError } from "./SeedError.js";

/** The command line is wrong: an unknown flag, a flag without its value, a stray argument. Exit code 2. */
export class UsageError extends SeedError {
  override name = "UsageError" as const;
  readonly code = "USAGE";
  readonly exitCode = EXIT_USAGE;
}
