/**
 * Who a user is, as far as the seed is concerned: an identity directory turns
 * an email into that user's stable id, or says why it cannot. Each provider
 * (Cognito, Keycloak) implements this interface and says how it is best used
 * (`DirectoryProfile`); the seed's core knows only these.
 */

/** What the directory answers for one email. */
export type DirectoryAnswer =
  /** Exactly one eligible account; `sub` is its stable id (a UUID). */
  | { status: "resolved"; sub: string }
  /** No account has this email. */
  | { status: "not_found" }
  /** Accounts exist, but none may receive a grant. */
  | { status: "ineligible"; reason: IneligibleReason }
  /** More than one eligible account has this email: which one is meant cannot be known. */
  | { status: "ambiguous"; matches: number };

/**
 * What the seed knows of one user: the directory's answer, or that it could
 * not answer just now (a TransientDirectoryError, its retries spent), so the
 * user waits for the next boot.
 */
export type Lookup = DirectoryAnswer | { status: "transient"; reason: string; throttled: boolean };

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
  /** What the directory is called by its owners (a Cognito pool's name), if it says. */
  name?: string | undefined;
  /** How many accounts it holds, by its own estimate; `undefined` if it does not say. */
  estimatedSize: number | undefined;
  /**
   * Whether two emails that differ only in case are different emails. A
   * Cognito pool is case-sensitive unless it was created with
   * `UsernameConfiguration.CaseSensitive = false`; a Keycloak realm never is
   * (it stores and searches emails lower-cased).
   */
  emailsCaseSensitive: boolean;
}

/**
 * How a directory is best used, fixed for its kind and known without asking
 * it: the seed's strategy and pacer read it, lines name the directory by it.
 */
export interface DirectoryProfile {
  /** How lines name the directory ("Cognito"). */
  readonly name: string;
  /** The most accounts one listing page holds. */
  readonly pageSize: number;
  /** Calls started per second when the caller sets no pace: the share of the directory's quota the seed may take. */
  readonly requestsPerSecond: number;
  /** Whether listing every account can ever cost fewer calls than one lookup per email. */
  readonly scanWorthwhile: boolean;
}

/**
 * `listPage` and `describe` make one request each, and `lookup` one per page
 * of matching accounts (almost always one), their client's own retries and any
 * credentials it fetches first (Keycloak's admin token) aside, so that the
 * caller can pace them. Every method throws
 * `TransientDirectoryError` when the directory cannot answer just now, and
 * `FatalDirectoryError` when it cannot be used at all (wrong pool or realm,
 * bad credentials, a bug). `signal` aborts the request.
 */
export interface IdentityDirectory {
  /** How this directory is best used; read-only, asks the directory nothing. */
  readonly profile: DirectoryProfile;
  /** Looks one email up; the directory compares emails as it always does (a Cognito pool by its case setting, Keycloak ignoring case). */
  lookup(email: string, signal?: AbortSignal): Promise<DirectoryAnswer>;
  /** One page of every account. */
  listPage(token: string | undefined, signal?: AbortSignal): Promise<AccountPage>;
  /** What the directory says of itself. */
  describe(signal?: AbortSignal): Promise<DirectoryFacts>;
}
