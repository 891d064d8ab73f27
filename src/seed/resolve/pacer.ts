/**
 * Pacing for the directory's quota: at most `requestsPerSecond` calls started
 * in any second, the directory's own pace (its profile) unless the caller set
 * one (p-throttle: a small manifest goes at once, a large one at the set
 * pace), and when the directory still says "too many requests", a pause
 * that every call waits out before the throttled one is asked again.
 * Throttling slows the seed down; it does not cost users. Time comes in
 * through `PacerClock`, so tests need no real waiting.
 */
import pThrottle from "p-throttle";

import type { DirectoryProfile } from "../../directory/identity-directory.js";
import { TransientDirectoryError } from "../../directory/TransientDirectoryError.js";

/**
 * How often a throttled call is asked again, and how long every call waits
 * first: 0.5, 1, 2, 4 and 4 s, 11.5 s in all. Quotas (Cognito's) are per second,
 * so a pause of a few seconds lets the platform's own traffic through too.
 */
export const THROTTLE_RETRIES = 5;
const throttleBackoffMs = (retry: number) => Math.min(4_000, 500 * 2 ** retry);

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class Pacer {
  /** Calls started (the directory client's own retries not counted). */
  calls = 0;
  /** Times the directory said "slow down" and was asked again later. */
  throttleRetries = 0;
  private resumeAt = 0;
  private readonly throttled: <T>(call: () => Promise<T>) => Promise<T>;

  /** `requestsPerSecond`, when set, overrides the directory's own pace. */
  constructor(
    profile: DirectoryProfile,
    requestsPerSecond: number | undefined,
    signal: AbortSignal,
    private readonly clock: PacerClock = REAL_CLOCK,
  ) {
    const limit = requestsPerSecond ?? profile.requestsPerSecond;
    const throttle = pThrottle({ limit, interval: 1_000, strict: true, signal });
    this.throttled = throttle(<T>(call: () => Promise<T>) => call());
  }

  /** Counts a call made outside the pace (one of another quota category). */
  countUnpaced(): void {
    this.calls += 1;
  }

  private async run<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      const wait = this.resumeAt - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      const outcome = await this.throttled(async (): Promise<{ value: T } | undefined> => {
        // A pause that began while this call was queued: queue again once it is over, at the set pace.
        if (this.clock.now() < this.resumeAt) return undefined;
        this.calls += 1;
        return { value: await call() };
      });
      if (outcome) return outcome.value;
    }
  }

  /**
   * Runs `call`, at the pace; while it is throttled (and retries remain),
   * pauses every call and runs it again. Its last throttling error, or any
   * other error, is thrown.
   */
  async withRetries<T>(call: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await this.run(call);
      } catch (error) {
        if (!(error instanceof TransientDirectoryError && error.throttled) || retry >= THROTTLE_RETRIES) throw error;
      }
      this.throttleRetries += 1;
      this.resumeAt = Math.max(this.resumeAt, this.clock.now() + throttleBackoffMs(retry));
    }
  }
}
