/**
 * The applier: one database transaction per run. It takes the seed's advisory
 * lock first, so replicas booting at once take turns; reads the state after
 * the lock, so each turn sees the previous one's writes; plans; writes.
 */
import type { Database } from "../db.js";
import type { Prisma } from "../generated/prisma/client.js";
import { planSeed, plannedWrites, type DatabaseState, type SeedPlan, type WriteCounts } from "./plan.js";
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

async function writePlan(tx: Transaction, plan: SeedPlan): Promise<WriteCounts> {
  for (const { row } of plan.roleWrites) {
    await tx.role.upsert({
      where: { id: row.id },
      create: row,
      update: { name: row.name, description: row.description },
    });
  }
  // upsert, not create: another tool may have created the profile since we read.
  for (const row of [...plan.profileCreates, ...plan.profileUpdates]) {
    await tx.userProfile.upsert({
      where: { userId: row.userId },
      create: row,
      update: { name: row.name, organisation: row.organisation },
    });
  }
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
