import PQueue from "p-queue";

import type { IdentityDirectory, Lookup } from "../directory/identity-directory.js";
import type { ManifestEntry } from "../manifest.js";

export interface Resolution {
  entry: ManifestEntry;
  lookup: Lookup;
}

export interface ResolveOptions {
  /**
   * Lookups started per second, at most. Cognito's ListUsers quota (30 a
   * second per account and region) is shared with the platform's own traffic,
   * so the seed takes only part of it. Starts are spaced evenly, never bunched.
   */
  requestsPerSecond: number;
  /** Called as each lookup finishes, for progress. */
  onResolved?: (resolution: Resolution) => void;
}

/**
 * Looks every manifest entry up under a rate limit and returns the results in
 * manifest order. Network only: no database connection is open meanwhile.
 * The first fatal error aborts the lookups in flight, skips those not yet
 * started, and is rethrown.
 */
export async function resolveAll(
  directory: IdentityDirectory,
  entries: readonly ManifestEntry[],
  options: ResolveOptions,
): Promise<Resolution[]> {
  // One start per 1/rps seconds; enough in flight to keep that pace while each lookup takes up to a second.
  const queue = new PQueue({
    concurrency: options.requestsPerSecond,
    intervalCap: 1,
    interval: 1000 / options.requestsPerSecond,
  });
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
