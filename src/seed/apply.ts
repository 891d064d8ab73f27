/**
 * The applier: one database transaction per run. It takes the seed's advisory
 * lock first, so replicas booting at once take turns; reads the state after
 * the lock, so each turn sees the previous one's writes; lets the pure planner
 * decide; writes only what the plan says.
 *
 * Every read and write goes through Prisma's typed client, so a change to
 * `schema.prisma` that the seed does not follow fails its type check. The lock
 * is the one raw statement: Prisma has no API for advisory locks.
 */
import type { FlipDatabase } from "../database/client.js";
import type { Prisma } from "../generated/prisma/client.js";
import {
  foldUserRoles,
  planSeed,
  type DatabaseState,
  type ProfileRow,
  type ProfileUpdate,
  type SeedPlan,
  type WriteCounts,
} from "./plan.js";
import type { Resolution } from "./resolve/resolve.js";

type Transaction = Prisma.TransactionClient;

/** The advisory lock's name; `hashtext` turns it into the lock's key. */
export const SEED_LOCK_NAME = "flip-db:seed";

const NO_WRITES: Readonly<WriteCounts> = { roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 };

export interface ApplyOptions {
  dryRun: boolean;
  /** How long the transaction may take, lock wait included. */
  timeoutMs: number;
}

export interface ApplyResult {
  plan: SeedPlan;
  written: WriteCounts;
}

/** Waits for the seed's lock; PostgreSQL releases it when the transaction ends, however it ends. */
async function takeSeedLock(tx: Transaction): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${SEED_LOCK_NAME}))`;
}

/**
 * The roles, and the manifest's users' profiles, roles held (global and
 * trust-scoped alike: the planner tells them apart) and bootstrap records.
 */
async function readState(tx: Transaction, userIds: string[]): Promise<DatabaseState> {
  const ofUsers = { userId: { in: userIds } };
  const [roles, profiles, userRoles, seedGrants] = await Promise.all([
    tx.role.findMany({ select: { id: true, name: true, description: true } }),
    tx.userProfile.findMany({ where: ofUsers, select: { userId: true, name: true, organisation: true } }),
    tx.userRole.findMany({ where: ofUsers, select: { userId: true, roleId: true, trustId: true, createdAt: true } }),
    tx.seedGrant.findMany({ where: ofUsers, select: { userId: true, grantedAt: true } }),
  ]);
  return {
    roles,
    profiles: new Map(profiles.map(({ userId, name, organisation }) => [userId, { name, organisation }])),
    heldRoles: foldUserRoles(userRoles),
    seedGrants: new Map(seedGrants.map(({ userId, grantedAt }) => [userId, grantedAt])),
  };
}

/** A profile created, or updated to the manifest's values (Prisma's `@updatedAt` moves `updated_at`). */
function upsertProfile(tx: Transaction, { userId, name, organisation }: ProfileRow) {
  return tx.userProfile.upsert({ where: { userId }, create: { userId, name, organisation }, update: { name, organisation } });
}

/**
 * Rows a `createMany` carries at most. Prisma plans a bulk insert in memory
 * whole: 10,000 profiles, grants and bootstrap records at once peaked at
 * 414 MB here, in batches of 1,000 at 292 MB, in the same time.
 */
export const CREATE_BATCH = 1_000;

function batches<Row>(rows: readonly Row[]): Row[][] {
  return Array.from({ length: Math.ceil(rows.length / CREATE_BATCH) }, (_, i) => rows.slice(i * CREATE_BATCH, (i + 1) * CREATE_BATCH));
}

/** Rows inserted, batch by batch: one already there (another replica's, say) is skipped and not counted. */
async function createInBatches<Row>(rows: readonly Row[], insert: (batch: Row[]) => Promise<{ count: number }>): Promise<number> {
  let written = 0;
  for (const batch of batches(rows)) written += (await insert(batch)).count;
  return written;
}

/**
 * The profiles the plan found missing, with `createMany`. Should another tool
 * have created some of them since the state was read, the insert skips those,
 * and its batch is then upserted to the manifest's values, as an `upsert`
 * would have done.
 */
async function createProfiles(tx: Transaction, rows: readonly ProfileRow[]): Promise<number> {
  for (const batch of batches(rows)) {
    const { count } = await tx.userProfile.createMany({ data: batch, skipDuplicates: true });
    if (count < batch.length) for (const row of batch) await upsertProfile(tx, row);
  }
  return rows.length;
}

/**
 * The profiles whose name or organisation differ from the manifest's (the plan
 * lists no other), one `updateMany` for each set of new values: a trust that
 * renames itself is one statement, not one per member. Should a profile have
 * been deleted since the state was read, its group is upserted instead, so it
 * is created again, as an `upsert` would have done.
 */
async function updateProfiles(tx: Transaction, rows: readonly ProfileUpdate[]): Promise<number> {
  const groups = new Map<string, ProfileUpdate[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.changes.name, row.changes.organisation]);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  for (const group of groups.values()) {
    const { count } = await tx.userProfile.updateMany({
      where: { userId: { in: group.map((row) => row.userId) } },
      data: group[0]!.changes,
    });
    if (count < group.length) for (const row of group) await upsertProfile(tx, row);
  }
  return rows.length;
}

/**
 * Writes the plan; no call for a table with nothing to write. A grant is a
 * global row: `trust_id` is left NULL, and no trust-scoped row is ever written.
 */
async function writePlan(tx: Transaction, plan: SeedPlan): Promise<WriteCounts> {
  const written = { ...NO_WRITES };
  // The plan lists a role only where it is missing or differs, so `updated_at` moves only then.
  for (const { row } of plan.roleWrites) {
    const { id, name, description } = row;
    await tx.role.upsert({ where: { id }, create: { id, name, description }, update: { name, description } });
    written.roles += 1;
  }
  written.profilesCreated = await createProfiles(tx, plan.profileCreates);
  written.profilesUpdated = await updateProfiles(tx, plan.profileUpdates);
  written.userRoles = await createInBatches(plan.grants, (data) => tx.userRole.createMany({ data, skipDuplicates: true }));
  const bootstrapped = [...plan.grants, ...plan.adoptions];
  written.seedGrants = await createInBatches(bootstrapped, (data) => tx.seedGrant.createMany({ data, skipDuplicates: true }));
  return written;
}

export async function applySeed(db: FlipDatabase, resolutions: readonly Resolution[], options: ApplyOptions): Promise<ApplyResult> {
  const userIds = resolutions.flatMap(({ lookup }) => (lookup.status === "resolved" ? [lookup.sub] : []));
  return db.$transaction(
    async (tx) => {
      await takeSeedLock(tx);
      const plan = planSeed(resolutions, await readState(tx, userIds));
      return { plan, written: options.dryRun ? { ...NO_WRITES } : await writePlan(tx, plan) };
    },
    { timeout: options.timeoutMs, maxWait: options.timeoutMs },
  );
}
