/**
 * How to resolve emails in Cognito: one filtered ListUsers call per email, or
 * one paginated scan of the whole pool (60 accounts a page). Pure: the
 * numbers in, the choice and its reason out.
 */
import { MAX_PAGE_SIZE, type DirectoryFacts } from "../directory/identity-directory.js";

export type LookupStrategy = "filter" | "scan";
/** What `--lookup` (or the library's `lookup` option) may ask for: `auto` lets the seed choose. */
export const STRATEGY_REQUESTS = ["auto", "filter", "scan"] as const;
export type StrategyRequest = (typeof STRATEGY_REQUESTS)[number];

/**
 * Below this many emails the pool's size is not even asked for: a scan could
 * only win in a pool smaller than 60 times the manifest, and would save less
 * than a page's worth of calls.
 */
export const SCAN_CONSIDERED_FROM = 60;

export interface StrategyChoice {
  strategy: LookupStrategy;
  /** Calls each strategy needs, where known. */
  filterCalls: number;
  scanCalls?: number;
  /** One line for the log. */
  reason: string;
}

export function scanCalls(poolSize: number): number {
  return Math.max(1, Math.ceil(poolSize / MAX_PAGE_SIZE));
}

/**
 * Whether the pool is worth a call to describe itself, for `emails` emails:
 * a scan must know how the pool compares emails, and `auto` its size.
 */
export function needsDescription(requested: StrategyRequest, emails: number): boolean {
  return requested === "scan" || (requested === "auto" && emails >= SCAN_CONSIDERED_FROM);
}

/**
 * `facts` is what the pool said of itself, `undefined` if it was not asked or
 * could not answer. A scan needs them (to compare emails as the pool does), so
 * without them even a requested scan becomes a lookup per email.
 */
export function chooseStrategy(requested: StrategyRequest, emails: number, facts: DirectoryFacts | undefined): StrategyChoice {
  const filterCalls = emails;
  const poolSize = facts?.estimatedSize;
  const scan = poolSize === undefined ? undefined : scanCalls(poolSize);
  const numbers =
    scan === undefined ? `${filterCalls} filtered calls` : `${filterCalls} filtered calls vs ${scan} pages for ~${poolSize} accounts`;
  if (requested === "scan" && facts === undefined) {
    const why = "scan requested with --lookup, but the pool's settings could not be read just now";
    return { strategy: "filter", filterCalls, reason: `filter (${why}; ${numbers})` };
  }
  if (requested !== "auto") {
    return { strategy: requested, filterCalls, scanCalls: scan, reason: `${requested} (requested with --lookup; ${numbers})` };
  }
  if (scan === undefined) {
    const why = emails < SCAN_CONSIDERED_FROM ? `fewer than ${SCAN_CONSIDERED_FROM} emails` : "the pool's size is unknown";
    return { strategy: "filter", filterCalls, reason: `filter (${why}; ${numbers})` };
  }
  const strategy = scan < filterCalls ? "scan" : "filter";
  return { strategy, filterCalls, scanCalls: scan, reason: `${strategy} (fewer calls: ${numbers})` };
}
