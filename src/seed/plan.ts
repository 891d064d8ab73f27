/**
 * The planner: pure. Given what the directory said about each manifest entry
 * and what the database holds, decides every row to write, and nothing more:
 * unchanged rows are not written, and a role is bootstrapped at most once.
 */
import { DatabaseError } from "../database/DatabaseError.js";
import { FatalDirectoryError } from "../directory/FatalDirectoryError.js";
import type { Lookup } from "../directory/identity-directory.js";
import type { ManifestEntry } from "../manifest/index.js";
import { ROLES, roleByName } from "../shared/roles.js";
import type { Resolution } from "./resolve/resolve.js";

export interface RoleRow {
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

export interface GrantRow {
  userId: string;
  roleId: string;
}

/** What the database holds for the users in the manifest. */
export interface DatabaseState {
  roles: readonly RoleRow[];
  /** `user_profile` rows by user id. */
  profiles: ReadonlyMap<string, { name: string; organisation: string }>;
  /** Users holding at least one `user_role` row. */
  usersWithRoles: ReadonlySet<string>;
  /** Users with a `seed_grant` row. */
  seedGrants: ReadonlySet<string>;
}

export type ProfileChange = "create" | "update" | "unchanged";

/**
 * - `grant`: no role and never bootstrapped: grant the manifest's role and record it.
 * - `adopt`: holds roles given some other way: record the bootstrap as done and grant nothing,
 *   so that an admin who later removes those roles is not overridden either.
 * - `keep`: bootstrapped before: whatever an admin did since stands, even no role at all.
 */
export type GrantDecision = "grant" | "adopt" | "keep";

export interface UserPlan {
  user: ManifestEntry;
  lookup: Lookup;
  /** Set for resolved users only. */
  userId?: string;
  profile?: ProfileChange;
  grant?: GrantDecision;
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
    if (!current) return [{ row: { ...role }, change: "create" }];
    if (current.name !== role.name || current.description !== role.description) {
      return [{ row: { ...role }, change: "update" }];
    }
    return [];
  });
}

export function planSeed(resolutions: readonly Resolution[], state: DatabaseState): SeedPlan {
  const plan: SeedPlan = {
    roleWrites: planRoles(state.roles),
    users: [],
    profileCreates: [],
    profileUpdates: [],
    grants: [],
    adoptions: [],
  };
  const seen = new Set<string>();
  for (const { user, lookup } of resolutions) {
    if (lookup.status !== "resolved") {
      plan.users.push({ user, lookup });
      continue;
    }
    const userId = lookup.sub;
    if (seen.has(userId)) {
      throw new FatalDirectoryError([
        `Cognito: two manifest entries resolved to the same account (${userId}); the directory's answer is inconsistent`,
      ]);
    }
    seen.add(userId);

    const row = { userId, name: user.name, organisation: user.organisation };
    const current = state.profiles.get(userId);
    let profile: ProfileChange = "unchanged";
    if (!current) {
      profile = "create";
      plan.profileCreates.push(row);
    } else if (current.name !== user.name || current.organisation !== user.organisation) {
      profile = "update";
      const changes = {
        ...(current.name !== user.name && { name: user.name }),
        ...(current.organisation !== user.organisation && { organisation: user.organisation }),
      };
      plan.profileUpdates.push({ ...row, changes });
    }

    const grantRow = { userId, roleId: roleByName(user.role).id };
    let grant: GrantDecision = "keep";
    if (!state.seedGrants.has(userId)) {
      grant = state.usersWithRoles.has(userId) ? "adopt" : "grant";
      (grant === "grant" ? plan.grants : plan.adoptions).push(grantRow);
    }
    plan.users.push({ user, lookup, userId, profile, grant });
  }
  return plan;
}
