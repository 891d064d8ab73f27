/** Resolution by one paginated pass over every account in the pool. */
import { emailKey, lookupFromAccounts } from "../../directory/eligibility.js";
import type { AccountPage, DirectoryAccount, IdentityDirectory } from "../../directory/identity-directory.js";
import { TransientDirectoryError } from "../../directory/TransientDirectoryError.js";
import type { ManifestEntry } from "../../manifest/index.js";
import { transientLookup } from "./by-filter.js";
import type { Pacer } from "./pacer.js";
import type { Resolution, ResolveOptions } from "./resolve.js";

export interface ScanRequest {
  directory: IdentityDirectory;
  users: readonly ManifestEntry[];
  pacer: Pacer;
  signal: AbortSignal;
  /** Already on its way, when it was fetched while the pool described itself. */
  firstPage: Promise<AccountPage> | undefined;
  /** From the pool's estimated size, for the progress bar. */
  expectedPages: number | undefined;
  /** The pool's rule for comparing emails ({@link emailKey}). */
  caseSensitive: boolean;
  onProgress: ResolveOptions["onProgress"];
}

/** Every account, page by page, keeping those whose email is in the manifest, compared as the pool compares them. */
async function listWanted(request: ScanRequest, wanted: ReadonlySet<string>): Promise<Map<string, DirectoryAccount[]>> {
  const { directory, pacer, signal, expectedPages, caseSensitive, onProgress } = request;
  const found = new Map<string, DirectoryAccount[]>();
  const fetchPage = (token: string | undefined) => pacer.withRetries(() => directory.listPage(token, signal));
  let token: string | undefined;
  let next = request.firstPage ?? fetchPage(undefined);
  let pages = 0;
  do {
    const page = await next;
    pages += 1;
    // The pool's size is an estimate: never show more pages done than expected.
    onProgress?.(pages, Math.max(expectedPages ?? 0, pages + (page.next ? 1 : 0)), "pages");
    for (const account of page.accounts) {
      const key = account.email === undefined ? undefined : emailKey(account.email, caseSensitive);
      if (key === undefined || !wanted.has(key)) continue;
      const accounts = found.get(key);
      if (accounts) accounts.push(account);
      else found.set(key, [account]);
    }
    // A token that comes back unchanged would loop forever.
    token = page.next === token ? undefined : page.next;
    if (token) next = fetchPage(token);
  } while (token);
  return found;
}

/** Resolves every user from one listing of the pool; a listing that cannot finish leaves every user transient. */
export async function byScan(request: ScanRequest): Promise<Resolution[]> {
  const { users, caseSensitive, directory } = request;
  const keyOf = (email: string) => emailKey(email, caseSensitive);
  let found: Map<string, DirectoryAccount[]>;
  try {
    found = await listWanted(request, new Set(users.map((user) => keyOf(user.email))));
  } catch (error) {
    if (!(error instanceof TransientDirectoryError)) throw error;
    // Without the whole listing nobody can be told apart: every user waits for the next boot.
    const lookup = transientLookup(error);
    return users.map((user) => ({ user, lookup }));
  }
  const accountsOf = (email: string) => found.get(keyOf(email)) ?? [];
  return users.map((user) => ({
    user,
    lookup: lookupFromAccounts(user.email, accountsOf(user.email), caseSensitive, directory.profile.name),
  }));
}
