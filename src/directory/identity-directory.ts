/**
 * Who a user is, as far as the seed is concerned: an identity directory turns
 * an email into that user's stable id, or says why it cannot. Cognito is the
 * one implementation; the seed's core knows only this interface.
 */

/** What one lookup found. Fatal problems are thrown, never returned. */
export type Lookup =
  /** Exactly one eligible account; `sub` is its stable id (a UUID). */
  | { status: "resolved"; sub: string }
  /** No account has this email. */
  | { status: "not_found" }
  /** Accounts exist, but none may receive a grant. */
  | { status: "ineligible"; reason: IneligibleReason }
  /** More than one eligible account has this email: which one is meant cannot be known. */
  | { status: "ambiguous"; matches: number }
  /**
   * The directory could not answer just now (throttling, server fault,
   * timeout, network); retries are spent. `throttled` marks a request to slow
   * down, which the resolver answers by slowing down and asking again.
   */
  | { status: "transient"; reason: string; throttled?: boolean };

export type IneligibleReason = "email not verified" | "account disabled" | "account disabled and email not verified";

export type LookupStatus = Lookup["status"];

/** One account as a directory lists it: only what eligibility needs. */
export interface DirectoryAccount {
  sub: string | undefined;
  email: string | undefined;
  emailVerified: boolean;
  enabled: boolean;
}

/** One page of a listing of every account, and the token of the next page if there is one. */
export interface AccountPage {
  accounts: DirectoryAccount[];
  next?: string;
}

/** What a directory says of itself, for choosing how to look users up and how to compare their emails. */
export interface DirectoryFacts {
  /** How many accounts it holds, by its own estimate; `undefined` if it does not say. */
  estimatedSize: number | undefined;
  /**
   * Whether two emails that differ only in case are different emails. A
   * Cognito pool is case-sensitive unless it was created with
   * `UsernameConfiguration.CaseSensitive = false`.
   */
  emailsCaseSensitive: boolean;
}

/** A listing page could not be fetched just now; `throttled` as in {@link Lookup}. */
export class TransientDirectoryError extends Error {
  override name = "TransientDirectoryError" as const;

  constructor(
    readonly reason: string,
    readonly throttled: boolean,
  ) {
    super(reason);
  }
}

/**
 * Every method makes exactly one request to the directory (its client's own
 * retries aside), so that the caller can pace them, and throws
 * `FatalDirectoryError` when the directory cannot be used at all (wrong pool,
 * bad credentials, a bug). `signal` aborts the request.
 */
export interface IdentityDirectory {
  /** Looks one email up; the directory compares emails as it always does (a Cognito pool, by its case setting). */
  lookup(email: string, signal?: AbortSignal): Promise<Lookup>;
  /** One page of every account; throws `TransientDirectoryError` when it cannot be had just now. */
  listPage(token: string | undefined, signal?: AbortSignal): Promise<AccountPage>;
  /** What the directory says of itself; `undefined` if it cannot say just now. */
  describe(signal?: AbortSignal): Promise<DirectoryFacts | undefined>;
}
