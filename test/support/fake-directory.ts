import {
  TransientDirectoryError,
  type AccountPage,
  type DirectoryAccount,
  type DirectoryFacts,
  type IdentityDirectory,
  type Lookup,
} from "../../src/directory/identity-directory.js";
import { emailKey, lookupFromAccounts } from "../../src/directory/matches.js";

/**
 * An in-memory identity directory for unit tests: accounts in a list, pages
 * of `pageSize`, every call recorded. Its lookups compare emails as a pool
 * with `caseSensitive` does (default: case-sensitive, as Cognito's pools are
 * unless created otherwise). `lookup` can be replaced to script answers;
 * `pageFault` makes listing pages fail; `size: undefined` is a pool that does
 * not say its size, `facts: undefined` one that cannot describe itself.
 */
export function fakeDirectory(
  accounts: readonly DirectoryAccount[] = [],
  options: {
    pageSize?: number;
    size?: number | undefined;
    caseSensitive?: boolean;
    facts?: undefined;
    lookup?: (email: string, signal?: AbortSignal) => Promise<Lookup>;
    pageFault?: (page: number) => TransientDirectoryError | Error | undefined;
  } = {},
): IdentityDirectory & { close(): void; calls: string[]; closed: number } {
  const pageSize = options.pageSize ?? 60;
  const caseSensitive = options.caseSensitive ?? true;
  const calls: string[] = [];
  const directory = {
    calls,
    closed: 0,
    async lookup(email: string, signal?: AbortSignal): Promise<Lookup> {
      calls.push(`lookup ${email}`);
      if (options.lookup) return options.lookup(email, signal);
      // What a filter on `email = "<email>"` lists, compared by the pool's rule.
      const wanted = emailKey(email, caseSensitive);
      const listed = accounts.filter((account) => account.email !== undefined && emailKey(account.email, caseSensitive) === wanted);
      return lookupFromAccounts(email, listed, false);
    },
    async listPage(token: string | undefined): Promise<AccountPage> {
      const page = token === undefined ? 0 : Number(token);
      calls.push(`page ${page}`);
      const fault = options.pageFault?.(page);
      if (fault) throw fault;
      const next = (page + 1) * pageSize < accounts.length ? String(page + 1) : undefined;
      return { accounts: accounts.slice(page * pageSize, (page + 1) * pageSize), next };
    },
    async describe(): Promise<DirectoryFacts | undefined> {
      calls.push("describe");
      if ("facts" in options) return undefined;
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
