import PQueue from "p-queue";

import type { IdentityDirectory, Lookup } from "../directory/identity-directory.js";
import type { ManifestEntry } from "../manifest.js";

export interface Resolution {
  entry: ManifestEntry;
  lookup: Lookup;
}

export interface ResolveOptions {
  /** Lookups in flight at once. */
  concurrency: number;
  /** Called as each lookup finishes, for progress. */
  onResolved?: (resolution: Resolution) => void;
}

/**
 * Looks every manifest entry up, a few at a time, and returns the results in
 * manifest order. Network only: no database connection is open meanwhile.
 * The first fatal error aborts the lookups in flight, skips those not yet
 * started, and is rethrown.
 */
export async function resolveAll(
  directory: IdentityDirectory,
  entries: readonly ManifestEntry[],
  options: ResolveOptions,
): Promise<Resolution[]> {
  const queue = new PQueue({ concurrency: options.concurrency });
  const abort = new AbortController();
  let fatal: { error: unknown } | undefined;

  const lookUp = async (entry: ManifestEntry): Promise<Resolution | undefined> => {
    if (fatal) return undefined;
    try {
      const resolution = { entry, lookup: await directory.lookup(entry.email, abort.signal) };
      options.onResolved?.(resolution);
      return resolution;
    } catch (error) {
      // Later failures are usually the abort itself; the first one is the cause.
      if (!fatal) {
        fatal = { error };
        abort.abort();
      }
      return undefined;
    }
  };

  const resolutions = await Promise.all(entries.map((entry) => queue.add(() => lookUp(entry))));
  if (fatal) throw fatal.error;
  return resolutions as Resolution[];
}
