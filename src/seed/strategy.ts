/**
 * How to resolve emails in the directory: one filtered lookup per email, or
 * one paginated scan of every account (its profile's page size a page, where
 * its profile says a scan can be worth it). Pure: the numbers in, the choice
 * and its reason out.
 */
import type { DirectoryFacts, DirectoryProfile } from "../directory/identity-directory.js";
import { UsageError } from "../shared/cli/usage.js";

export type LookupStrategy = "filter" | "scan";
/** What `--lookup` (or the library's `lookup` option) may ask for: `auto` lets the seed choose. */
export const STRATEGY_REQUESTS = ["auto", "filter", "scan"] as const;
export type StrategyRequest = (typeof STRATEGY_REQUESTS)[number];

export interface StrategyChoice {
  strategy: LookupStrategy;
  /** Calls each strategy needs, where known. */
  filterCalls: number;
  scanCalls?: number;
  /** One line for the log. */
  reason: string;
}

/**
 * A scan asked of a directory whose profile says one is never worth it (a
 * Keycloak realm: its listing can miss federated users) is refused before
 * any call, rather than quietly turned into something else: a usage error.
 */
export function refuseUnworthyScan(requested: StrategyRequest, profile: DirectoryProfile): void {
  if (requested === "scan" && !profile.scanWorthwhile) {
    throw new UsageError([
      `--lookup scan: ${profile.name} is looked up by email only (a scan of it is never worth it); use auto or filter`,
    ]);
  }
}

/** The pages a scan of `poolSize` accounts takes. */
export function scanCalls(poolSize: number, profile: DirectoryProfile): number {
  return Math.max(1, Math.ceil(poolSize / profile.pageSize));
}

/**
 * Below a page's worth of emails the pool's size is not even asked for: a
 * scan could only win in a pool smaller than a page per email, and would save
 * less than a page's worth of calls.
 */
function scanConsideredFrom(profile: DirectoryProfile): number {
  return profile.pageSize;
}

/**
 * Whether the directory is worth a call to describe itself, for `emails`
 * emails: a scan must know how it compares emails, and `auto` its size.
 */
export function needsDescription(requested: StrategyRequest, emails: number, profile: DirectoryProfile): boolean {
  if (requested === "scan") return true;
  return requested === "auto" && profile.scanWorthwhile && emails >= scanConsideredFrom(profile);
}

/**
 * `facts` is what the directory said of itself, `undefined` if it was not
 * asked or could not answer. A scan needs them (to compare emails as the
 * directory does), so without them even a requested scan becomes a lookup per
 * email.
 */
export function chooseStrategy(
  requested: StrategyRequest,
  emails: number,
  facts: DirectoryFacts | undefined,
  profile: DirectoryProfile,
): StrategyChoice {
  const filterCalls = emails;
  const poolSize = facts?.estimatedSize;
  const scan = poolSize === undefined ? undefined : scanCalls(poolSize, profile);
  const numbers =
    scan === undefined ? `${filterCalls} filtered calls` : `${filterCalls} filtered calls vs ${scan} pages for ~${poolSize} accounts`;
  if (requested === "scan" && facts === undefined) {
    const why = "scan requested with --lookup, but the pool's settings could not be read just now";
    return { strategy: "filter", filterCalls, reason: `filter (${why}; ${numbers})` };
  }
  if (requested !== "auto") {
    return { strategy: requested, filterCalls, scanCalls: scan, reason: `${requested} (requested with --lookup; ${numbers})` };
  }
  if (scan === undefined || !profile.scanWorthwhile) {
    return { strategy: "filter", filterCalls, reason: `filter (${whyNoScan(emails, profile)}; ${numbers})` };
  }
  const strategy = scan < filterCalls ? "scan" : "filter";
  return { strategy, filterCalls, scanCalls: scan, reason: `${strategy} (fewer calls: ${numbers})` };
}

/** Why `auto` filters without weighing a scan. */
function whyNoScan(emails: number, profile: DirectoryProfile): string {
  if (!profile.scanWorthwhile) return `a scan of ${profile.name} is never worth it`;
  const from = scanConsideredFrom(profile);
  return emails < from ? `fewer than ${from} emails` : "the pool's size is unknown";
}
