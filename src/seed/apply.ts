/**
 * The applier: one database transaction per run. It takes the seed's advisory
 * lock first, so replicas booting at once take turns; reads the state after
 * the lock, so each turn sees the previous one's writes; plans; writes.
 *
 * However many users: one query reads the state, and at most one statement
 * writes each table. They are SQL, sent through Prisma's raw API: set-based
 * statements need it, and each query shape Prisma's own API compiles costs
 * the boot path some 15 ms the first time it is sent. Each write keeps the
 * meaning of Prisma's `upsert` or `createMany({ skipDuplicates })`.
 */
import type { Database } from "../db.js";
import type { Prisma } from "../generated/prisma/client.js";
import {
  planSeed,
  type DatabaseState,
  type GrantRow,
  type ProfileRow,
  type RoleRow,
  type SeedPlan,
  type WriteCounts,
} from "./plan.js";
import type { Resolution } from "./resolve.js";

type Transaction = Prisma.TransactionClient;

/** The advisory lock's name; `hashtext` turns it into the lock's key. */
export const SEED_LOCK_NAME = "flip-db:seed";

const NO_WRITES: WriteCounts = { roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 };

export interface ApplyOptions {
  dryRun: boolean;
  /** How long the transaction may take, lock wait included. */
  timeoutMs: number;
}

export interface ApplyResult {
  plan: SeedPlan;
  written: WriteCounts;
}

type StateRow = { kind: "role" | "profile" | "user_role" | "seed_grant"; id: string; name: string | null; detail: string | null };

/** The roles, and the manifest's users' profiles, roles held and bootstrap records: one query. */
async function readState(tx: Transaction, userIds: string[]): Promise<DatabaseState> {
  const rows = await tx.$queryRaw<StateRow[]>`
    SELECT 'role' AS kind, id::text AS id, name, description AS detail FROM roles
    UNION ALL SELECT 'profile', user_id::text, name::text, organisation::text FROM user_profile WHERE user_id = ANY(${userIds}::uuid[])
    UNION ALL SELECT DISTINCT 'user_role', user_id::text, NULL, NULL FROM user_role WHERE user_id = ANY(${userIds}::uuid[])
    UNION ALL SELECT 'seed_grant', user_id::text, NULL, NULL FROM seed_grant WHERE user_id = ANY(${userIds}::uuid[])`;
  const state = { roles: [] as RoleRow[], profiles: new Map(), usersWithRoles: new Set<string>(), seedGrants: new Set<string>() };
  for (const row of rows) {
    if (row.kind === "role") state.roles.push({ id: row.id, name: row.name!, description: row.detail! });
    else if (row.kind === "profile") state.profiles.set(row.id, { name: row.name!, organisation: row.detail! });
    else if (row.kind === "user_role") state.usersWithRoles.add(row.id);
    else state.seedGrants.add(row.id);
  }
  return state;
}

/** Prisma's `upsert` for each fixed role: created, or updated (and `updated_at` moved) only when it differs. */
function upsertRoles(tx: Transaction, rows: readonly RoleRow[]): Promise<number> {
  return tx.$executeRaw`
    INSERT INTO roles (id, name, description)
    SELECT * FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.description)}::text[])
    ON CONFLICT (id) DO UPDATE
      SET name = EXCLUDED.name, description = EXCLUDED.description, updated_at = now()
      WHERE (roles.name, roles.description) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description)`;
}

/**
 * Prisma's `upsert` for every profile: created, or updated only when name or
 * organisation differ, which is also the only time `updated_at` moves. A row
 * another tool created meanwhile is updated, not duplicated.
 */
function upsertProfiles(tx: Transaction, rows: readonly ProfileRow[]): Promise<number> {
  return tx.$executeRaw`
    INSERT INTO user_profile (user_id, name, organisation)
    SELECT * FROM unnest(${rows.map((r) => r.userId)}::uuid[], ${rows.map((r) => r.name)}::varchar[], ${rows.map((r) => r.organisation)}::varchar[])
    ON CONFLICT (user_id) DO UPDATE
      SET name = EXCLUDED.name, organisation = EXCLUDED.organisation, updated_at = now()
      WHERE (user_profile.name, user_profile.organisation) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.organisation)`;
}

/** `createMany({ skipDuplicates: true })` into `user_role`. */
function insertUserRoles(tx: Transaction, rows: readonly GrantRow[]): Promise<number> {
  return tx.$executeRaw`
    INSERT INTO user_role (user_id, role_id)
    SELECT * FROM unnest(${rows.map((r) => r.userId)}::uuid[], ${rows.map((r) => r.roleId)}::uuid[])
    ON CONFLICT DO NOTHING`;
}

/** `createMany({ skipDuplicates: true })` into `seed_grant`. */
function insertSeedGrants(tx: Transaction, rows: readonly GrantRow[]): Promise<number> {
  return tx.$executeRaw`
    INSERT INTO seed_grant (user_id, role_id)
    SELECT * FROM unnest(${rows.map((r) => r.userId)}::uuid[], ${rows.map((r) => r.roleId)}::uuid[])
    ON CONFLICT DO NOTHING`;
}

/** Writes the plan, one statement a table at most; nothing for a table with nothing to write. */
async function writePlan(tx: Transaction, plan: SeedPlan): Promise<WriteCounts> {
  const written = { ...NO_WRITES };
  if (plan.roleWrites.length > 0) written.roles = await upsertRoles(tx, plan.roleWrites.map((write) => write.row));
  const profiles = [...plan.profileCreates, ...plan.profileUpdates];
  if (profiles.length > 0) {
    await upsertProfiles(tx, profiles);
    written.profilesCreated = plan.profileCreates.length;
    written.profilesUpdated = plan.profileUpdates.length;
  }
  if (plan.grants.length > 0) written.userRoles = await insertUserRoles(tx, plan.grants);
  const bootstrapped = [...plan.grants, ...plan.adoptions];
  if (bootstrapped.length > 0) written.seedGrants = await insertSeedGrants(tx, bootstrapped);
  return written;
}

export async function applySeed(db: Database, resolutions: readonly Resolution[], options: ApplyOptions): Promise<ApplyResult> {
  const userIds = resolutions.flatMap(({ lookup }) => (lookup.status === "resolved" ? [lookup.sub] : []));
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${SEED_LOCK_NAME}))`;
      const plan = planSeed(resolutions, await readState(tx, userIds));
      return { plan, written: options.dryRun ? NO_WRITES : await writePlan(tx, plan) };
    },
    { timeout: options.timeoutMs, maxWait: options.timeoutMs },
  );
}
