/**
 * The applier: one database transaction per run. It takes the seed's advisory
 * lock first, so replicas booting at once take turns; reads the state after
 * the lock (four queries, however many users), so each turn sees the previous
 * one's writes; plans; writes (a fixed number of statements per table).
 */
import type { Database } from "../db.js";
import type { Prisma } from "../generated/prisma/client.js";
import { planSeed, plannedWrites, type DatabaseState, type ProfileRow, type SeedPlan, type WriteCounts } from "./plan.js";
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

async function readState(tx: Transaction, userIds: string[]): Promise<DatabaseState> {
  const [roles, profiles, userRoles, seedGrants] = await Promise.all([
    tx.role.findMany({ select: { id: true, name: true, description: true } }),
    tx.userProfile.findMany({ where: { userId: { in: userIds } }, select: { userId: true, name: true, organisation: true } }),
    tx.userRole.findMany({ where: { userId: { in: userIds } }, select: { userId: true }, distinct: ["userId"] }),
    tx.seedGrant.findMany({ where: { userId: { in: userIds } }, select: { userId: true } }),
  ]);
  return {
    roles,
    profiles: new Map(profiles.map((p) => [p.userId, { name: p.name, organisation: p.organisation }])),
    usersWithRoles: new Set(userRoles.map((row) => row.userId)),
    seedGrants: new Set(seedGrants.map((row) => row.userId)),
  };
}

/**
 * Prisma's `upsert`, for every profile in one statement: each row is created,
 * or updated only when its name or organisation differ, which is also the only
 * time `updated_at` moves. Rows another tool created meanwhile are updated,
 * not duplicated, as `upsert` would.
 */
function upsertProfiles(tx: Transaction, rows: readonly ProfileRow[]): Promise<number> {
  const ids = rows.map((row) => row.userId);
  const names = rows.map((row) => row.name);
  const organisations = rows.map((row) => row.organisation);
  return tx.$executeRaw`
    INSERT INTO user_profile (user_id, name, organisation)
    SELECT * FROM unnest(${ids}::uuid[], ${names}::varchar[], ${organisations}::varchar[])
    ON CONFLICT (user_id) DO UPDATE
      SET name = EXCLUDED.name, organisation = EXCLUDED.organisation, updated_at = now()
      WHERE (user_profile.name, user_profile.organisation) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.organisation)`;
}

/** Writes the plan with a fixed number of statements per table, however many users; nothing for an empty part. */
async function writePlan(tx: Transaction, plan: SeedPlan): Promise<WriteCounts> {
  // At most three, one a role: the fixed roles rarely change.
  for (const { row } of plan.roleWrites) {
    await tx.role.upsert({
      where: { id: row.id },
      create: row,
      update: { name: row.name, description: row.description },
    });
  }
  const profiles = [...plan.profileCreates, ...plan.profileUpdates];
  if (profiles.length > 0) await upsertProfiles(tx, profiles);
  const userRoles = plan.grants.length > 0 ? await tx.userRole.createMany({ data: plan.grants, skipDuplicates: true }) : { count: 0 };
  const bootstrapped = [...plan.grants, ...plan.adoptions];
  const seedGrants =
    bootstrapped.length > 0 ? await tx.seedGrant.createMany({ data: bootstrapped, skipDuplicates: true }) : { count: 0 };
  return { ...plannedWrites(plan), userRoles: userRoles.count, seedGrants: seedGrants.count };
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
