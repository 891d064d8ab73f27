import { FlipDbError } from "../shared/errors.js";

/**
 * The users manifest cannot be read or is invalid. Each problem names the
 * file, and the entry index and field where there is one. Nothing was
 * contacted.
 */
export class ManifestError extends FlipDbError {
  override name = "ManifestError" as const;
  readonly code = "MANIFEST_INVALID";
}
