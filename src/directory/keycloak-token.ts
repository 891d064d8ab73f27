/**
 * The admin token, asked for once and reused: a new one only when the
 * current one is within 30 s of expiring (FLIP's rule), or when Keycloak
 * refused it. Callers that need a token while one is being fetched share
 * that one request. Time comes in as `now`, so tests need no real waiting.
 */
import type { IssuedToken } from "./keycloak-api.js";

/** A token is replaced this long before it expires, so none expires on its way to Keycloak. */
export const TOKEN_REFRESH_MARGIN_MS = 30_000;

/** Rejects with the signal's reason as soon as it aborts; `promise` itself carries on for whoever else awaits it. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export class AdminTokenCache {
  // Private fields: util.inspect (and so a logged object) never shows the token.
  #current: { token: string; replaceAt: number } | undefined;
  #pending: Promise<string> | undefined;
  readonly #issue: () => Promise<IssuedToken>;
  readonly #now: () => number;

  constructor(issue: () => Promise<IssuedToken>, now: () => number = Date.now) {
    this.#issue = issue;
    this.#now = now;
  }

  /** A token that is not about to expire: the current one, or a new one. `signal` stops waiting, not the shared request. */
  get(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    if (current && this.#now() < current.replaceAt) return Promise.resolve(current.token);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.#pending ??= this.#replace();
    return unlessAborted(this.#pending, signal);
  }

  /** Keycloak refused `token`: the next `get` asks for a new one (unless another caller has already). */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #replace(): Promise<string> {
    try {
      const askedAt = this.#now();
      const issued = await this.#issue();
      const lifetimeMs = issued.expiresInSeconds * 1_000;
      // A realm whose tokens live 30 s or less would otherwise need a new token for every request.
      const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 2);
      this.#current = { token: issued.accessToken, replaceAt: askedAt + lifetimeMs - margin };
      return issued.accessToken;
    } finally {
      this.#pending = undefined;
    }
  }
}
