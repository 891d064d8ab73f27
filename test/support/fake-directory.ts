import { COGNITO_PROFILE } from "../../src/directory/cognito-directory.js";
import { emailKey, lookupFromAccounts } from "../../src/directory/eligibility.js";
import {
  type AccountPage,
  type DirectoryAccount,
  type DirectoryAnswer,
  type DirectoryFacts,
  type DirectoryProfile,
  type IdentityDirectory,
} from "../../src/directory/identity-directory.js";
import { TransientDirectoryError } from "../../src/directory/TransientDirectoryError.js";

/** What a test scripts a lookup to answer: a directory's answer, or a transient failure to throw. */
export type ScriptedAnswer = DirectoryAnswer | { status: "transient"; reason: string; throttled?: boolean };

/**
 * An in-memory identity directory for unit tests: accounts in a list, pages
 * of its profile's size (Cognito's unless `profile` says otherwise), every call recorded. Its lookups compare emails as a pool
 * with `caseSensitive` does (default: case-sensitive, as Cognito's pools are
 * unless created otherwise). `lookup` can be replaced to script answers (a
 * scripted `transient` one is thrown as the TransientDirectoryError a real
 * directory throws); `pageFault` makes listing pages fail; `size: undefined`
 * is a pool that does not say its size, `facts: undefined` one that cannot
 * describe itself just now.
 */
export function fakeDirectory(
  accounts: readonly DirectoryAccount[] = [],
  options: {
    /** Cognito's unless given. */
    profile?: DirectoryProfile;
    size?: number | undefined;
    caseSensitive?: boolean;
    facts?: undefined;
    lookup?: (email: string, signal?: AbortSignal) => Promise<ScriptedAnswer>;
    pageFault?: (page: number) => TransientDirectoryError | Error | undefined;
  } = {},
): IdentityDirectory & { close(): void; calls: string[]; closed: number } {
  const profile = options.profile ?? COGNITO_PROFILE;
  const { pageSize } = profile;
  const caseSensitive = options.caseSensitive ?? true;
  const calls: string[] = [];
  const directory = {
    profile,
    calls,
    closed: 0,
    async lookup(email: string, signal?: AbortSignal): Promise<DirectoryAnswer> {
      calls.push(`lookup ${email}`);
      if (options.lookup) {
        const answer = await options.lookup(email, signal);
        if (answer.status === "transient") throw new TransientDirectoryError(answer.reason, answer.throttled === true);
        return answer;
      }
      // What a filter on `email = "<email>"` lists, compared by the pool's rule.
      const wanted = emailKey(email, caseSensitive);
      const listed = accounts.filter((account) => account.email !== undefined && emailKey(account.email, caseSensitive) === wanted);
      return lookupFromAccounts(email, listed, false, profile.name);
    },
    async listPage(token: string | undefined): Promise<AccountPage> {
      const page = token === undefined ? 0 : Number(token);
      calls.push(`page ${page}`);
      const fault = options.pageFault?.(page);
      if (fault) throw fault;
      const next = (page + 1) * pageSize < accounts.length ? String(page + 1) : undefined;
      return { accounts: accounts.slice(page * pageSize, (page + 1) * pageSize), next };
    },
    async describe(): Promise<DirectoryFacts> {
      calls.push("describe");
      if ("facts" in options)
        throw new TransientDirectoryError("Cognito unavailable or unreachable (InternalErrorException, HTTP 500)", false);
      return { estimatedSize: "size" in options ? options.size : accounts.length, emailsCaseSensitive: caseSensitive };
    },
    close() {
      directory.closed += 1;
    },
  };
  return directory;
}

/** An enabled, verified account for `email`, with a sub derived from `n`. */
export function account(email: string, n: number, overrides: Partial<DirectoryAccount> = {}): DirectoryAccount {
  const hex = n.toString(16).padStart(12, "0");
  return { email, sub: `00000000-0000-4000-8000-${hex}`, emailVerified: true, enabled: true, ...overrides };
}
