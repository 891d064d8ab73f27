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
import type { GrantDecision, GrantWarning, ProfileChange } from "./plan.js";
import type { RunRecord, UserReport } from "./report.js";
import { seedWithRecord } from "./seed-main-users.js";

/** A user the directory vouched for: the profile and the grant were seen to (or planned, in a dry run). */
export interface ResolvedUser {
  outcome: "resolved";
  /** The directory's stable id of the user (Cognito's `sub`): `user_profile.user_id`. */
  sub: string;
  /** Whether the profile was created, updated or already current. */
  profile: ProfileChange;
  /** `grant` (the role was granted now), `adopt` or `keep` (see docs/seed.md). */
  grant: GrantDecision;
  /** How many trust-scoped roles the user holds (a count, never the trusts). */
  trustScopedRoles: number;
  /** The global roles the user held before this run, by name. */
  heldRoles: string[];
  /** Set when the user's roles need an operator's look (`role_differs`, `trust_only_bootstrap`). */
  warning?: GrantWarning;
}

/** A user the directory could not vouch for, now or at all: nothing was written for them. */
export interface SkippedUser {
  outcome: Exclude<LookupStatus, "resolved">;
  /** Why the user was skipped. */
  reason: string;
}

/** What became of one user, by `outcome`: only `resolved` writes anything. */
export type UserResult = ResolvedUser | SkippedUser;

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
  const { report, run } = await seedWithRecord(db, { users: [entry], directory, lookup: "filter", ...options });
  return userResult(report.users[0]!, run);
}

/** The one user's line of the report, with the `sub` the run resolved (a run that returned has resolved everyone). */
function userResult(user: UserReport, run: RunRecord): UserResult {
  const { lookup } = run.resolution!.resolutions[0]!;
  // The report gives every user the directory did not vouch for a reason.
  if (lookup.status !== "resolved") return { outcome: lookup.status, reason: user.reason! };
  return {
    outcome: "resolved",
    sub: lookup.sub,
    profile: user.profile!,
    grant: user.grant!,
    trustScopedRoles: user.trustScopedRoles!,
    heldRoles: user.heldRoles!,
    ...(user.warning !== undefined && { warning: user.warning }),
  };
}
