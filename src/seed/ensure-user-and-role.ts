/**
 * One user, FLIP's resilient `ensure_user_and_role`: the seed's rules for a
 * single manifest entry, for the platform's own code (an onboarding hook, a
 * test fixture) that makes sure of one person at a time.
 */
import type { FlipDatabase } from "../database/client.js";
import type { IdentityDirectory, LookupStatus } from "../directory/identity-directory.js";
import { validateEntry } from "../manifest/entries.js";
import type { ManifestEntry } from "../manifest/schema.js";
import type { SeedLogger } from "../shared/logging.js";
import type { UserReport } from "./report.js";
import { seedMainUsers } from "./seed-main-users.js";

export interface UserResult {
  /** As in the seed's report: only `resolved` writes anything. */
  outcome: LookupStatus;
  /** Why the user was skipped. */
  reason?: string;
  /** For a resolved user: whether the profile was created, updated or already current. */
  profile?: NonNullable<UserReport["profile"]>;
  /** For a resolved user: `grant` (the role was granted now), `adopt` or `keep` (see the README). */
  grant?: NonNullable<UserReport["grant"]>;
  /** For a resolved user: how many trust-scoped roles the user holds (a count, never the trusts). */
  trustScopedRoles?: number;
  /** Set when the user's roles need an operator's look (see the README's upgrade notes). */
  warning?: NonNullable<UserReport["warning"]>;
}

export interface EnsureOptions {
  /** Where the run's lines go; nowhere by default. */
  logger?: SeedLogger;
  /** How long the transaction may take, waiting for the seed's lock included (default 120 s). */
  transactionTimeoutMs?: number;
}

/**
 * Makes sure of one user: validates the entry (before any directory call),
 * looks the email up, and in one transaction behind the seed's lock upserts
 * the profile and grants the role once. A user the directory cannot vouch for
 * just now, or at all, comes back with its outcome and reason; a bad entry, a
 * fatal directory error or a database failure throws the seed's error.
 */
export async function ensureUserAndRole(
  db: FlipDatabase,
  directory: IdentityDirectory,
  user: ManifestEntry,
  options: EnsureOptions = {},
): Promise<UserResult> {
  const entry = validateEntry(user, "ensureUserAndRole");
  const report = await seedMainUsers(db, { users: [entry], directory, lookup: "filter", ...options });
  const { outcome, reason, profile, grant, trustScopedRoles, warning } = report.users[0]!;
  return {
    outcome,
    ...(reason !== undefined && { reason }),
    ...(profile !== undefined && { profile, grant, trustScopedRoles }),
    ...(warning !== undefined && { warning }),
  };
}
