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
  /** The directory could not answer just now (throttling, server fault, timeout, network); retries are spent. */
  | { status: "transient"; reason: string };

export type IneligibleReason = "email not verified" | "account disabled" | "account disabled and email not verified";

export type LookupStatus = Lookup["status"];

export interface IdentityDirectory {
  /**
   * Looks one email up. Throws `FatalDirectoryError` when the directory cannot
   * be used at all (wrong pool, bad credentials, a bug); `signal` aborts it.
   */
  lookup(email: string, signal?: AbortSignal): Promise<Lookup>;
}
