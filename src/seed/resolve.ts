/**
 * Resolution: every manifest email to a Lookup, over the network only (no
 * database connection is open meanwhile), paced under Cognito's quota.
 *
 * Calls are rate-limited with p-throttle (at most `requestsPerSecond` in any
 * second: a small manifest goes at once, a large one at the set pace). When
 * Cognito still says "too many requests", every call waits a while and the
 * throttled one is asked again: throttling slows the seed down, it does not
 * cost users. The first fatal error aborts what is in flight and is rethrown.
 */
import pThrottle from "p-throttle";

import {
  TransientDirectoryError,
  type AccountPage,
  type DirectoryAccount,
  type DirectoryFacts,
  type IdentityDirectory,
  type Lookup,
} from "../directory/identity-directory.js";
import { emailKey, lookupFromAccounts } from "../directory/matches.js";
import { FatalDirectoryError } from "../errors/index.js";
import type { ManifestEntry } from "../manifest.js";
import { chooseStrategy, needsDescription, type StrategyChoice, type StrategyRequest } from "./strategy.js";

export interface Resolution {
  entry: ManifestEntry;
  lookup: Lookup;
}

export interface ResolveOptions {
  /**
   * Calls started per second, at most. Cognito's ListUsers quota (30 a second
   * per account and region) is shared with the platform's own traffic, so the
   * seed takes only part of it.
   */
  requestsPerSecond: number;
  /** `auto` picks whichever of filter and scan needs fewer calls. */
  strategy: StrategyRequest;
  /** Told the choice before resolution starts, for the log. */
  onChoice?: (choice: StrategyChoice) => void;
  /** Told how far resolution has come: users looked up, or pages of the pool scanned. */
  onProgress?: (done: number, total: number, unit: "users" | "pages") => void;
}

export interface ResolveResult {
  resolutions: Resolution[];
  choice: StrategyChoice;
  /** Requests made to the directory (its client's own retries not counted). */
  calls: number;
  /** Times Cognito said "slow down" and was asked again later. */
  throttleRetries: number;
}

/**
 * How often a throttled call is asked again, and how long every call waits
 * first: 0.5, 1, 2, 4 and 4 s, 11.5 s in all. Cognito's quotas are per second,
 * so a pause of a few seconds lets the platform's own traffic through too.
 */
export const THROTTLE_RETRIES = 5;
const throttleBackoffMs = (retry: number) => Math.min(4_000, 500 * 2 ** retry);

/** Paces calls: a rate limit, plus a pause everyone waits out after Cognito throttled one of them. */
class Pacer {
  calls = 0;
  throttleRetries = 0;
  private resumeAt = 0;
  private readonly throttled: <T>(call: () => Promise<T>) => Promise<T>;

  constructor(requestsPerSecond: number, signal: AbortSignal) {
    const throttle = pThrottle({ limit: requestsPerSecond, interval: 1_000, strict: true, signal });
    this.throttled = throttle(<T>(call: () => Promise<T>) => call()) as <T>(call: () => Promise<T>) => Promise<T>;
  }

  private async run<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      const wait = this.resumeAt - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const outcome = await this.throttled(async (): Promise<{ value: T } | undefined> => {
        // A pause that began while this call was queued: queue again once it is over, at the set pace.
        if (Date.now() < this.resumeAt) return undefined;
        this.calls += 1;
        return { value: await call() };
      });
      if (outcome) return outcome.value;
    }
  }

  /**
   * Runs `call`; while it reports throttling (and retries remain), pauses
   * every call and runs it again.
   */
  async withRetries<T>(call: () => Promise<T>, isThrottled: (value: T) => boolean): Promise<T> {
    for (let retry = 0; ; retry++) {
      let throttledError: TransientDirectoryError | undefined;
      let value: T | undefined;
      try {
        value = await this.run(call);
      } catch (error) {
        if (!(error instanceof TransientDirectoryError && error.throttled)) throw error;
        throttledError = error;
      }
      const throttled = throttledError !== undefined || isThrottled(value as T);
      if (!throttled || retry >= THROTTLE_RETRIES) {
        if (throttledError) throw throttledError;
        return value as T;
      }
      this.throttleRetries += 1;
      this.resumeAt = Math.max(this.resumeAt, Date.now() + throttleBackoffMs(retry));
    }
  }
}

/** One filtered lookup per email. */
async function byFilter(
  directory: IdentityDirectory,
  entries: readonly ManifestEntry[],
  pacer: Pacer,
  abort: AbortController,
  onProgress: ResolveOptions["onProgress"],
) {
  let fatal: { error: unknown } | undefined;
  let done = 0;
  const resolutions = await Promise.all(
    entries.map(async (entry): Promise<Resolution | undefined> => {
      try {
        const lookup = await pacer.withRetries(
          () => directory.lookup(entry.email, abort.signal),
          (result) => result.status === "transient" && result.throttled === true,
        );
        onProgress?.(++done, entries.length, "users");
        return { entry, lookup };
      } catch (error) {
        // Later failures are the abort itself (the throttle rejects what it still holds); the first one is the cause.
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

interface ScanRequest {
  directory: IdentityDirectory;
  entries: readonly ManifestEntry[];
  pacer: Pacer;
  signal: AbortSignal;
  /** Already on its way, when the pool's description was asked for meanwhile. */
  firstPage: Promise<AccountPage> | undefined;
  expectedPages: number | undefined;
  /** The pool's rule for comparing emails ({@link emailKey}). */
  caseSensitive: boolean;
  onProgress: ResolveOptions["onProgress"];
}

/** One pass over every account, keeping those whose email is in the manifest, compared as the pool compares them. */
async function byScan({ directory, entries, pacer, signal, firstPage, expectedPages, caseSensitive, onProgress }: ScanRequest) {
  const keyOf = (email: string) => emailKey(email, caseSensitive);
  const wanted = new Set(entries.map((entry) => keyOf(entry.email)));
  const found = new Map<string, DirectoryAccount[]>();
  const fetchPage = (token: string | undefined) => pacer.withRetries(() => directory.listPage(token, signal), () => false);
  try {
    let token: string | undefined;
    let next = firstPage ?? fetchPage(undefined);
    let pages = 0;
    do {
      const page = await next;
      pages += 1;
      // The pool's size is an estimate: never show more pages done than expected.
      onProgress?.(pages, Math.max(expectedPages ?? 0, pages + (page.next ? 1 : 0)), "pages");
      for (const account of page.accounts) {
        const key = account.email === undefined ? undefined : keyOf(account.email);
        if (key !== undefined && wanted.has(key)) found.set(key, [...(found.get(key) ?? []), account]);
      }
      token = page.next === token ? undefined : page.next;
      if (token) next = fetchPage(token);
    } while (token);
  } catch (error) {
    if (!(error instanceof TransientDirectoryError)) throw error;
    // Without the whole listing nobody can be told apart: every user waits for the next boot.
    const lookup: Lookup = { status: "transient", reason: error.reason, throttled: error.throttled };
    return entries.map((entry) => ({ entry, lookup }));
  }
  return entries.map((entry) => {
    try {
      return { entry, lookup: lookupFromAccounts(entry.email, found.get(keyOf(entry.email)) ?? [], caseSensitive) };
    } catch (error) {
      throw new FatalDirectoryError([`Cognito: ${(error as Error).message}`], { cause: error });
    }
  });
}

export async function resolveAll(
  directory: IdentityDirectory,
  entries: readonly ManifestEntry[],
  options: ResolveOptions,
): Promise<ResolveResult> {
  const abort = new AbortController();
  const pacer = new Pacer(options.requestsPerSecond, abort.signal);
  let facts: DirectoryFacts | undefined;
  let firstPage: Promise<AccountPage> | undefined;
  if (needsDescription(options.strategy, entries.length)) {
    // While the pool describes itself, the scan's first page is fetched too: if
    // the scan wins, the question cost no time; if not, one page was wasted.
    firstPage = pacer.withRetries(() => directory.listPage(undefined, abort.signal), () => false);
    firstPage.catch(() => {});
    // DescribeUserPool has a quota category of its own, so this call is not paced with ListUsers.
    pacer.calls += 1;
    facts = await directory.describe(abort.signal);
  }
  const choice = chooseStrategy(options.strategy, entries.length, facts);
  options.onChoice?.(choice);
  const resolutions =
    choice.strategy === "scan" && facts
      ? await byScan({
          directory,
          entries,
          pacer,
          signal: abort.signal,
          firstPage,
          expectedPages: choice.scanCalls,
          caseSensitive: facts.emailsCaseSensitive,
          onProgress: options.onProgress,
        })
      : await byFilter(directory, entries, pacer, abort, options.onProgress);
  return { resolutions, choice, calls: pacer.calls, throttleRetries: pacer.throttleRetries };
}
