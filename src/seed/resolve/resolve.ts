/**
 * Resolution: every manifest user to a Lookup, over the network only (no
 * database connection is open meanwhile), paced under the directory's quota
 * (pacer.ts), by filter (by-filter.ts) or by scan (by-scan.ts), whichever
 * strategy.ts chooses.
 */
import { FatalDirectoryError } from "../../directory/FatalDirectoryError.js";
import type { DirectoryFacts, IdentityDirectory, Lookup } from "../../directory/identity-directory.js";
import { TransientDirectoryError } from "../../directory/TransientDirectoryError.js";
import type { ManifestEntry } from "../../manifest/index.js";
import { chooseStrategy, needsDescription, type StrategyChoice, type StrategyRequest } from "../strategy.js";
import { byFilter } from "./by-filter.js";
import { byScan } from "./by-scan.js";
import { Pacer, type PacerClock } from "./pacer.js";

export { THROTTLE_RETRIES } from "./pacer.js";

/** What the directory said about one manifest user. */
export interface Resolution {
  user: ManifestEntry;
  lookup: Lookup;
}

export interface ResolveOptions {
  /** Calls started per second, at most; the directory's own pace (its profile) when unset. */
  requestsPerSecond?: number | undefined;
  /** `auto` picks whichever of filter and scan needs fewer calls. */
  strategy: StrategyRequest;
  /** Told the choice before resolution starts, for the log. */
  onChoice?: (choice: StrategyChoice) => void;
  /** Told how far resolution has come: users looked up, or pages of the pool scanned. */
  onProgress?: (done: number, total: number, unit: "users" | "pages") => void;
  clock?: PacerClock;
}

export interface ResolveResult {
  /** The directory's name (its profile's), for the lines that speak of its answers. */
  directoryName: string;
  resolutions: Resolution[];
  choice: StrategyChoice;
  /** Requests made to the directory (its client's own retries not counted). */
  calls: number;
  /** Times the directory said "slow down" and was asked again later. */
  throttleRetries: number;
}

/** The pool's own description, or `undefined` when it cannot give one just now (the strategy does without). */
async function describeOrNot(directory: IdentityDirectory, signal: AbortSignal): Promise<DirectoryFacts | undefined> {
  try {
    return await directory.describe(signal);
  } catch (error) {
    if (error instanceof TransientDirectoryError) return undefined;
    throw error;
  }
}

/** Two entries resolved to one account: the directory contradicts itself, and nothing may be written on its word. */
function refuseSameAccount(resolutions: readonly Resolution[], directoryName: string): void {
  const entryOf = new Map<string, number>();
  resolutions.forEach(({ lookup }, index) => {
    if (lookup.status !== "resolved") return;
    const first = entryOf.get(lookup.sub);
    if (first !== undefined) {
      throw new FatalDirectoryError([
        `${directoryName}: users[${first}] and users[${index}] resolved to the same account (${lookup.sub}); the directory's answer is inconsistent`,
      ]);
    }
    entryOf.set(lookup.sub, index);
  });
}

export async function resolveAll(
  directory: IdentityDirectory,
  users: readonly ManifestEntry[],
  options: ResolveOptions,
): Promise<ResolveResult> {
  const abort = new AbortController();
  const pacer = new Pacer(directory.profile, options.requestsPerSecond, abort.signal, options.clock);
  let facts: DirectoryFacts | undefined;
  let firstPage;
  if (needsDescription(options.strategy, users.length, directory.profile)) {
    // While the pool describes itself, the scan's first page is fetched too: if
    // the scan wins, the question cost no time; if not, one page was wasted.
    firstPage = pacer.withRetries(() => directory.listPage(undefined, abort.signal));
    firstPage.catch(() => {});
    // DescribeUserPool has a quota category of its own, so this call is not paced with ListUsers.
    pacer.countUnpaced();
    facts = await describeOrNot(directory, abort.signal);
  }
  const choice = chooseStrategy(options.strategy, users.length, facts, directory.profile);
  options.onChoice?.(choice);
  const resolutions =
    choice.strategy === "scan" && facts
      ? await byScan({
          directory,
          users,
          pacer,
          signal: abort.signal,
          firstPage,
          expectedPages: choice.scanCalls,
          caseSensitive: facts.emailsCaseSensitive,
          onProgress: options.onProgress,
        })
      : await byFilter(directory, users, pacer, abort, options.onProgress);
  refuseSameAccount(resolutions, directory.profile.name);
  return { directoryName: directory.profile.name, resolutions, choice, calls: pacer.calls, throttleRetries: pacer.throttleRetries };
}
