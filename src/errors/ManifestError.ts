import { EXIT_FATAL, SeedError } from "./SeedError.js";

/**
 * The users manifest cannot be read or is invalid. Each problem names the
 * file, and the entry index and field where there is one. Nothing was
 * contacted.
 */
export class ManifestError extends SeedError {
  override name = "ManifestError" as const;
  readonly code = "MANIFEST_INVALID";
  readonly exitCode = EXIT_FATAL;
}
