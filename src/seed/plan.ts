/**
 * The planner: pure. Given what the directory said about each manifest entry
 * and what the database holds, decides every row to write, and nothing more:
 * unchanged rows are not written, and a role is bootstrapped at most once.
 *
 * Only global roles (`user_role.trust_id` NULL) count as "has a role": a
 * trust-scoped role (Trust Admin at one trust) is not a platform role. The
 * seed writes global rows only, and never a trust-scoped one.
 */
import { DatabaseError } from "../database/DatabaseError.js";
import type { Lookup } from "../directory/identity-directory.js";
import type { ManifestEntry } from "../manifest/index.js";
import { ROLES, roleByName } from "../shared/roles.js";
import type { Resolution } from "./resolve/resolve.js";

interface RoleRow {
  id: string;
  name: string;
  description: string;
}

export interface ProfileRow {
  userId: string;
  name: string;
  organisation: string;
}

/** A profile whose name or organisation differ from the manifest's: the whole row, and what changed. */
export interface ProfileUpdate extends ProfileRow {
  /** The manifest's values of the fields that differ, and only those. */
  changes: Partial<Pick<ProfileRow, "name" | "organisation">>;
}

interface GrantRow {
  userId: string;
  roleId: string;
}

/** A `user_role` row, as far as the bootstrap rule reads it. */
export interface UserRoleRow {
  userId: string;
  roleId: string;
  /** `null`: a global role; set: held only at that trust. */
  trustId: string | null;
  createdAt: Date;
}

/** The roles a user holds, as the bootstrap rule sees them. */
export interface HeldRoles {
  /** The ids of the global roles the user holds: the rows that count as "has a role". */
  globalRoleIds: string[];
  /** How many trust-scoped roles the user holds. */
  trustScoped: number;
  /** When the oldest trust-scoped row was created; set when `trustScoped` is not 0. */
  firstTrustScopedAt?: Date;
}

/** A user without `user_role` rows. */
const HOLDS_NOTHING: Readonly<HeldRoles> = { globalRoleIds: [], trustScoped: 0 };

/** `user_role` rows folded per user; a user without rows is absent. */
export function foldUserRoles(rows: readonly UserRoleRow[]): Map<string, HeldRoles> {
  const held = new Map<string, HeldRoles>();
  for (const { userId, roleId, trustId, createdAt } of rows) {
    const user = held.get(userId) ?? { ...HOLDS_NOTHING, globalRoleIds: [] };
    if (trustId === null) user.globalRoleIds.push(roleId);
    else {
      user.trustScoped += 1;
      if (user.firstTrustScopedAt === undefined || createdAt < user.firstTrustScopedAt) user.firstTrustScopedAt = createdAt;
    }
    held.set(userId, user);
  }
  return held;
}

/** What the database holds for the users in the manifest. */
export interface DatabaseState {
  roles: readonly RoleRow[];
  /** `user_profile` rows by user id. */
  profiles: ReadonlyMap<string, { name: string; organisation: string }>;
  /** The roles each user holds (see {@link foldUserRoles}). */
  heldRoles: ReadonlyMap<string, HeldRoles>;
  /** `seed_grant` rows by user id: when the user's bootstrap was recorded. */
  seedGrants: ReadonlyMap<string, Date>;
}

export type ProfileChange = "create" | "update" | "unchanged";

/**
 * - `grant`: no global role and never bootstrapped: grant the manifest's role (global) and record it.
 * - `adopt`: holds a global role given some other way: record the bootstrap as done and grant nothing,
 *   so that an admin who later removes those roles is not overridden either.
 * - `keep`: bootstrapped before: whatever an admin did since stands, even no role at all.
 */
export type GrantDecision = "grant" | "adopt" | "keep";

/**
 * `trust_only_bootstrap`: bootstrapped before, no global role now, and
 * trust-scoped roles older than the bootstrap record. 0.1.0 counted
 * trust-scoped rows as "has a role", so a 0.1.0 replica may have recorded the
 * bootstrap without granting anything; or an admin removed the global role
 * since. The seed cannot tell which, so it grants nothing and says so.
 *
 * `role_differs`: the seed grants nothing (bootstrapped before, or adopted)
 * and the user's global roles do not include the manifest's role: the
 * manifest's role is granted once, at bootstrap, and an admin's change stands,
 * so a manifest edit alone never changes a role. `trust_only_bootstrap` wins
 * when both hold.
 */
export type GrantWarning = "trust_only_bootstrap" | "role_differs";

export interface UserPlan {
  user: ManifestEntry;
  lookup: Lookup;
  /** Set for resolved users only. */
  userId?: string;
  profile?: ProfileChange;
  grant?: GrantDecision;
  /** For resolved users: how many trust-scoped roles the user holds (never which trusts). */
  trustScopedRoles?: number;
  /** For resolved users: the names of the global roles the user holds before this run. */
  heldRoles?: string[];
  warning?: GrantWarning;
}

export interface SeedPlan {
  roleWrites: Array<{ row: RoleRow; change: "create" | "update" }>;
  users: UserPlan[];
  profileCreates: ProfileRow[];
  profileUpdates: ProfileUpdate[];
  /** A `user_role` and a `seed_grant` row each. */
  grants: GrantRow[];
  /** A `seed_grant` row each. */
  adoptions: GrantRow[];
}

export interface WriteCounts {
  roles: number;
  profilesCreated: number;
  profilesUpdated: number;
  userRoles: number;
  seedGrants: number;
}

export function plannedWrites(plan: SeedPlan): WriteCounts {
  return {
    roles: plan.roleWrites.length,
    profilesCreated: plan.profileCreates.length,
    profilesUpdated: plan.profileUpdates.length,
    userRoles: plan.grants.length,
    seedGrants: plan.grants.length + plan.adoptions.length,
  };
}

export function totalWrites(counts: WriteCounts): number {
  return counts.roles + counts.profilesCreated + counts.profilesUpdated + counts.userRoles + counts.seedGrants;
}

function planRoles(existing: readonly RoleRow[]): SeedPlan["roleWrites"] {
  const byId = new Map(existing.map((row) => [row.id, row]));
  return ROLES.flatMap((role): SeedPlan["roleWrites"] => {
    const current = byId.get(role.id);
    const squatter = existing.find((row) => row.name === role.name && row.id !== role.id);
    if (squatter) {
      throw new DatabaseError([
        `roles: "${role.name}" is stored under id ${squatter.id}, but FLIP services expect ${role.id}: fix or remove that row`,
      ]);
    }
    const row = { id: role.id, name: role.name, description: role.description };
    if (!current) return [{ row, change: "create" }];
    if (current.name !== role.name || current.description !== role.description) return [{ row, change: "update" }];
    return [];
  });
}

/** The bootstrap rule for one user, over global roles only; `roleId` is the manifest's role. */
export function decideGrant(
  held: HeldRoles,
  bootstrappedAt: Date | undefined,
  roleId: string,
): { grant: GrantDecision; warning?: GrantWarning } {
  const holdsGlobal = held.globalRoleIds.length > 0;
  const differs = !held.globalRoleIds.includes(roleId);
  if (bootstrappedAt === undefined) {
    if (!holdsGlobal) return { grant: "grant" };
    return differs ? { grant: "adopt", warning: "role_differs" } : { grant: "adopt" };
  }
  const trustOnlyThen = !holdsGlobal && held.firstTrustScopedAt !== undefined && held.firstTrustScopedAt < bootstrappedAt;
  if (trustOnlyThen) return { grant: "keep", warning: "trust_only_bootstrap" };
  return differs ? { grant: "keep", warning: "role_differs" } : { grant: "keep" };
}

/** The names of the roles `ids` stand for, in `roles`' order; an id the table does not know, as itself. */
function roleNames(ids: readonly string[], roles: readonly RoleRow[]): string[] {
  const byId = new Map([...ROLES, ...roles].map((role) => [role.id, role.name]));
  return ids.map((id) => byId.get(id) ?? id).sort();
}

/** One resolved user's profile: created, updated (only what changed) or left alone; the write goes into `plan`. */
function planProfile(plan: SeedPlan, user: ManifestEntry, userId: string, current: Omit<ProfileRow, "userId"> | undefined): ProfileChange {
  const row = { userId, name: user.name, organisation: user.organisation };
  if (!current) {
    plan.profileCreates.push(row);
    return "create";
  }
  if (current.name === user.name && current.organisation === user.organisation) return "unchanged";
  const changes = {
    ...(current.name !== user.name && { name: user.name }),
    ...(current.organisation !== user.organisation && { organisation: user.organisation }),
  };
  plan.profileUpdates.push({ ...row, changes });
  return "update";
}

/** Plans every write; each resolved account appears once (resolveAll refuses a directory that says otherwise). */
export function planSeed(resolutions: readonly Resolution[], state: DatabaseState): SeedPlan {
  const plan: SeedPlan = {
    roleWrites: planRoles(state.roles),
    users: [],
    profileCreates: [],
    profileUpdates: [],
    grants: [],
    adoptions: [],
  };
  for (const { user, lookup } of resolutions) {
    if (lookup.status !== "resolved") {
      plan.users.push({ user, lookup });
      continue;
    }
    const userId = lookup.sub;
    const profile = planProfile(plan, user, userId, state.profiles.get(userId));
    const held = state.heldRoles.get(userId) ?? HOLDS_NOTHING;
    const grantRow = { userId, roleId: roleByName(user.role).id };
    const { grant, warning } = decideGrant(held, state.seedGrants.get(userId), grantRow.roleId);
    if (grant === "grant") plan.grants.push(grantRow);
    if (grant === "adopt") plan.adoptions.push(grantRow);
    const heldRoles = roleNames(held.globalRoleIds, state.roles);
    plan.users.push({ user, lookup, userId, profile, grant, trustScopedRoles: held.trustScoped, heldRoles, ...(warning && { warning }) });
  }
  return plan;
}
