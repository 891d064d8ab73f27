/** Resolution by one filtered lookup per email, all at the pacer's pace. */
import type { IdentityDirectory, Lookup } from "../../directory/identity-directory.js";
import { TransientDirectoryError } from "../../directory/TransientDirectoryError.js";
import type { ManifestEntry } from "../../manifest/index.js";
import type { Pacer } from "./pacer.js";
import type { Resolution, ResolveOptions } from "./resolve.js";

/** A user the directory could not answer for just now: skipped until the next boot. */
export function transientLookup(error: TransientDirectoryError): Lookup {
  return { status: "transient", reason: error.reason, throttled: error.throttled };
}

/**
 * Looks every user up. A transient failure skips that user; the first fatal
 * one aborts what is in flight (the pacer rejects what it still holds) and is
 * thrown.
 */
export async function byFilter(
  directory: IdentityDirectory,
  users: readonly ManifestEntry[],
  pacer: Pacer,
  abort: AbortController,
  onProgress: ResolveOptions["onProgress"],
): Promise<Resolution[]> {
  let fatal: { error: unknown } | undefined;
  let done = 0;
  const resolutions = await Promise.all(
    users.map(async (user): Promise<Resolution | undefined> => {
      try {
        const lookup = await pacer
          .withRetries(() => directory.lookup(user.email, abort.signal))
          .catch((error: unknown) => {
            if (error instanceof TransientDirectoryError) return transientLookup(error);
            throw error;
          });
        onProgress?.(++done, users.length, "users");
        return { user, lookup };
      } catch (error) {
        // Later failures are the abort itself; the first one is the cause.
        if (!fatal) {
          fatal = { error };
          abort.abort();
        }
        return undefined;
      }
    }),
  );
  if (fatal) throw fatal.error;
  return resolutions as Resolution[];
}
