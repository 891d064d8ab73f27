/**
 * A Keycloak realm as the seed's identity directory. It asks Keycloak's Admin
 * REST API with an admin token of the client's own service account
 * (`client_credentials`), as FLIP's Keycloak provider does, and keeps the
 * seed's stricter rule: a Keycloak that refuses the client stops the boot.
 */
import { keycloakUrlProblem } from "../shared/config/identity-provider.js";
import { FatalDirectoryError } from "./FatalDirectoryError.js";
import { TransientDirectoryError } from "./TransientDirectoryError.js";
import { lookupFromAccounts } from "./eligibility.js";
import type {
  AccountPage,
  DirectoryAccount,
  DirectoryAnswer,
  DirectoryFacts,
  DirectoryProfile,
  IdentityDirectory,
} from "./identity-directory.js";
import { KeycloakApi, type UserQuery } from "./keycloak-api.js";
import { classifyKeycloakError } from "./keycloak-error-classification.js";
import { KeycloakAnswerError, KeycloakHttpError } from "./keycloak-failures.js";
import { KeycloakHttp } from "./keycloak-http.js";
import { AdminTokenCache } from "./keycloak-token.js";

/** Where a Keycloak realm is and how the seed's client signs in to it (createKeycloakDirectory). */
export interface KeycloakDirectoryOptions {
  /** Where Keycloak answers, e.g. `https://sso.example.org` (`https://sso.example.org/auth` for Keycloak 16 and older). */
  baseUrl: string;
  /** The realm the platform's users are in (its name, not its id). */
  realm: string;
  /** A confidential client of that realm with service accounts enabled and the realm-management role view-users. */
  clientId: string;
  /**
   * That client's secret (its Credentials tab). The directory keeps it out of
   * everything it throws; give it to `seedMainUsers` in `SeedOptions.secrets`
   * too, so that no line the seed logs can carry it.
   */
  clientSecret: string;
  /** Time to connect to Keycloak, TLS included (default 3 s). */
  connectTimeoutMs?: number;
  /** Time limit of each request, from its start to the end of the answer (default 5 s). */
  requestTimeoutMs?: number;
}

export const KEYCLOAK_DEFAULTS = { connectTimeoutMs: 3_000, requestTimeoutMs: 5_000 } as const;

/** How Keycloak's directory is best used: the seed's strategy and pacer read it, lines name it by it. */
export const KEYCLOAK_PROFILE: DirectoryProfile = {
  name: "Keycloak",
  /** Keycloak's own default `max` (it sets no upper limit); a page of 100 brief representations is about 30 kB. */
  pageSize: 100,
  /**
   * Keycloak has no API quota, but it is the trust's login service, and a
   * realm that federates the trust's directory sends each email search on to
   * LDAP: 20 a second resolves 1,000 users in under a minute and leaves room
   * for logins. A proxy's 429 still slows the seed.
   */
  requestsPerSecond: 20,
  /**
   * An exact email search is one indexed query, and exact in every realm. In
   * a realm that federates the trust's directory (LDAP, Active Directory), the
   * listing of every user and its count depend on what the federation has
   * imported and on paging across providers, which Keycloak only
   * approximates: a scan could call someone not found who is there. Each
   * email is looked up instead.
   */
  scanWorthwhile: false,
};

const PAGE_SIZE = KEYCLOAK_PROFILE.pageSize;

/** `baseUrl` as a URL, or the one line that says why it cannot be one (the configuration's own rule). */
function parseBaseUrl(baseUrl: string): URL {
  const problem = keycloakUrlProblem(baseUrl);
  if (problem !== undefined) throw new FatalDirectoryError([`${KEYCLOAK_PROFILE.name}: the base URL ${problem}`]);
  return new URL(baseUrl);
}

function requireValue(value: string, name: string): void {
  if (value.trim() === "") throw new FatalDirectoryError([`${KEYCLOAK_PROFILE.name}: the ${name} must not be empty`]);
}

function requireTimeout(ms: number, name: string): number {
  if (!Number.isFinite(ms) || ms <= 0)
    throw new FatalDirectoryError([`${KEYCLOAK_PROFILE.name}: the ${name} must be a positive number of milliseconds`]);
  return ms;
}

/**
 * A failed call, in the seed's words: transient (skip the user for now) or
 * fatal (stop), as the taxonomy says, in the one wording the seed and the
 * doctor share.
 */
export function keycloakFailure(error: unknown): TransientDirectoryError | FatalDirectoryError {
  if (error instanceof TransientDirectoryError || error instanceof FatalDirectoryError) return error;
  const { category, reason, throttled } = classifyKeycloakError(error);
  if (category === "transient") return new TransientDirectoryError(reason, throttled === true);
  return new FatalDirectoryError([`${KEYCLOAK_PROFILE.name}: ${reason}`], { cause: error, reason });
}

const is401 = (error: unknown) => error instanceof KeycloakHttpError && error.failure.status === 401;

/** A Keycloak realm as an identity directory, with connections of its own that `close()` releases. */
export interface KeycloakDirectory extends IdentityDirectory {
  /** Closes the kept-alive connections to Keycloak. */
  close(): void;
}

/**
 * Resolves emails with Keycloak's exact email search; the stored id is the
 * user's `id`, which Keycloak's tokens carry as `sub`. Keycloak stores emails
 * lower-cased and lower-cases the one searched for, so emails match whatever
 * their case (`emailsCaseSensitive: false`). Each lookup is one request in
 * all but rare cases (more than 100 accounts with one email, or a new admin
 * token to fetch first).
 */
export class RealmDirectory implements KeycloakDirectory {
  readonly profile = KEYCLOAK_PROFILE;
  private readonly tokens: AdminTokenCache;

  constructor(
    private readonly api: KeycloakApi,
    private readonly http: KeycloakHttp,
    now: () => number = Date.now,
  ) {
    this.tokens = new AdminTokenCache(() => api.requestToken(), now);
  }

  async lookup(email: string, signal?: AbortSignal): Promise<DirectoryAnswer> {
    const accounts = await this.allPages({ email }, signal);
    try {
      // Keycloak has compared the emails by its own rule (both lower-cased), so any case matches here too.
      return lookupFromAccounts(email, accounts, false, KEYCLOAK_PROFILE.name);
    } catch (error) {
      if (!(error instanceof FatalDirectoryError)) throw error;
      // Keycloak's own users have UUIDs; one federated without import has `f:<provider id>:<its id>`, which the schema cannot store.
      const fix = "(a user federated without import?): turn on Import users in the realm's user federation";
      throw new FatalDirectoryError(
        error.problems.map((problem) => `${problem} ${fix}`),
        { cause: error, reason: `${error.reason} ${fix}` },
      );
    }
  }

  async listPage(token: string | undefined, signal?: AbortSignal): Promise<AccountPage> {
    const first = token === undefined ? 0 : Number(token);
    if (!Number.isSafeInteger(first) || first < 0)
      throw new FatalDirectoryError([`${KEYCLOAK_PROFILE.name}: unexpected page token: this is a bug`]);
    const accounts = await this.call((admin) => this.api.listUsers(admin, { first, max: PAGE_SIZE }, signal), signal);
    return { accounts, next: accounts.length === PAGE_SIZE ? String(first + PAGE_SIZE) : undefined };
  }

  async describe(signal?: AbortSignal): Promise<DirectoryFacts> {
    const count = await this.call((admin) => this.api.countUsers(admin, signal), signal);
    return { estimatedSize: count, emailsCaseSensitive: false };
  }

  /** Closes the kept-alive connections to Keycloak. */
  close(): void {
    this.http.close();
  }

  /**
   * Every page of a search, `first`/`max` at a time, until a page comes back
   * short. An account seen on an earlier page is counted once: users added
   * while the pages are read shift the offsets, and one account seen twice
   * would make a single match ambiguous.
   */
  private async allPages(query: Omit<UserQuery, "first" | "max">, signal?: AbortSignal): Promise<DirectoryAccount[]> {
    const accounts = new Map<string | undefined, DirectoryAccount>();
    for (let first = 0; ; first += PAGE_SIZE) {
      const page = await this.call((admin) => this.api.listUsers(admin, { ...query, first, max: PAGE_SIZE }, signal), signal);
      const fresh = page.filter((account) => !accounts.has(account.sub));
      // A server that ignores `first` would send the first page for ever.
      if (first > 0 && page.length > 0 && fresh.length === 0) {
        throw keycloakFailure(new KeycloakAnswerError("users", "the same page again (it ignored `first`)"));
      }
      for (const account of fresh) accounts.set(account.sub, account);
      if (page.length < PAGE_SIZE) return [...accounts.values()];
    }
  }

  /**
   * Runs `request` with the admin token. When Keycloak refuses the token
   * (expired early, keys rotated, a restart), asks for a new one and tries
   * once more; a second refusal is fatal.
   */
  private async call<T>(request: (adminToken: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      const token = await this.tokens.get(signal);
      try {
        return await request(token);
      } catch (error) {
        if (!is401(error)) throw error;
        this.tokens.invalidate(token);
      }
      try {
        return await request(await this.tokens.get(signal));
      } catch (error) {
        throw is401(error) ? (error as KeycloakHttpError).withFreshToken() : error;
      }
    } catch (error) {
      throw keycloakFailure(error);
    }
  }
}

/**
 * A Keycloak realm as the seed's identity directory, with connections of its
 * own; `close()` releases them. Throws FatalDirectoryError when an option
 * cannot work (a base URL that is not http(s), an empty realm or client).
 */
export function createKeycloakDirectory(options: KeycloakDirectoryOptions): KeycloakDirectory {
  const { api, http } = keycloakConnection(options);
  return new RealmDirectory(api, http);
}

/** The API client and its transport for `options`, checked as createKeycloakDirectory documents. */
export function keycloakConnection(options: KeycloakDirectoryOptions): { api: KeycloakApi; http: KeycloakHttp } {
  const baseUrl = parseBaseUrl(options.baseUrl);
  requireValue(options.realm, "realm");
  requireValue(options.clientId, "client id");
  requireValue(options.clientSecret, "client secret");
  const http = new KeycloakHttp({
    connectTimeoutMs: requireTimeout(options.connectTimeoutMs ?? KEYCLOAK_DEFAULTS.connectTimeoutMs, "connect timeout"),
    requestTimeoutMs: requireTimeout(options.requestTimeoutMs ?? KEYCLOAK_DEFAULTS.requestTimeoutMs, "request timeout"),
  });
  const api = new KeycloakApi(http, { baseUrl, realm: options.realm, clientId: options.clientId, clientSecret: options.clientSecret });
  return { api, http };
}
