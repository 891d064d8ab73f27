import { randomUUID } from "node:crypto";

import { mockDeep, type DeepMockProxy } from "vitest-mock-extended";

import type { FlipDatabase } from "../../src/database/client.js";
import type { Prisma, Role, SeedGrant, UserProfile, UserRole } from "../../src/generated/prisma/client.js";
import { ROLES } from "../../src/shared/roles.js";

export interface CurrentRows {
  roles?: ReadonlyArray<{ id: string; name: string; description: string }>;
  profiles?: Array<{ userId: string; name: string; organisation: string }>;
  /** Global rows unless `trustId` is set. */
  userRoles?: Array<{ userId: string; roleId?: string; trustId?: string | null; createdAt?: Date }>;
  seedGrants?: Array<{ userId: string; roleId?: string; grantedAt?: Date }>;
}

export type MockTransaction = DeepMockProxy<Prisma.TransactionClient>;

const CREATED = new Date("2026-01-01T00:00:00Z");

/** Whole rows, as the client's types describe them; the applier selects only some of their fields. */
function rowsOf(current: CurrentRows) {
  const anyRole = ROLES[0].id;
  return {
    roles: (current.roles ?? []).map((role): Role => ({ ...role, createdAt: CREATED, updatedAt: CREATED })),
    profiles: (current.profiles ?? []).map((row): UserProfile => ({ ...row, createdAt: CREATED, updatedAt: CREATED })),
    userRoles: (current.userRoles ?? []).map((row): UserRole => ({
      id: randomUUID(),
      roleId: anyRole,
      trustId: null,
      createdAt: CREATED,
      ...row,
    })),
    seedGrants: (current.seedGrants ?? []).map((row): SeedGrant => ({ roleId: anyRole, grantedAt: CREATED, ...row })),
  };
}

/**
 * A database whose transaction runs its callback on a typed mock of Prisma's
 * transaction client: the state reads answer with `current`, each
 * `createMany` reports every row it was given as written, each `updateMany`
 * every user it names, and tests assert on
 * what each call received. (What PostgreSQL does with those calls, conflicts
 * included, is for the integration tests to prove.)
 */
/** Where the mocked client says it connects, and the password it was opened with (as `connectDatabase` would set them). */
export const MOCK_CONNECTION = { location: "db.internal:5432", secrets: ["SENTINEL-db-password"] } as const;

export function mockDatabase(current: CurrentRows = {}) {
  const db = mockDeep<FlipDatabase>();
  Object.defineProperty(db, "connection", { value: MOCK_CONNECTION });
  const tx: MockTransaction = mockDeep<Prisma.TransactionClient>();
  const rows = rowsOf(current);
  tx.$executeRaw.mockResolvedValue(1);
  tx.role.findMany.mockResolvedValue(rows.roles);
  tx.userProfile.findMany.mockResolvedValue(rows.profiles);
  tx.userRole.findMany.mockResolvedValue(rows.userRoles);
  tx.seedGrant.findMany.mockResolvedValue(rows.seedGrants);
  const everyRow = (args?: { data: unknown }) => Promise.resolve({ count: Array.isArray(args?.data) ? args.data.length : 1 });
  tx.userProfile.createMany.mockImplementation(everyRow as never);
  tx.userRole.createMany.mockImplementation(everyRow as never);
  tx.seedGrant.createMany.mockImplementation(everyRow as never);
  const everyUser = (args?: { where?: { userId?: { in?: unknown[] } } }) =>
    Promise.resolve({ count: args?.where?.userId?.in?.length ?? 0 });
  tx.userProfile.updateMany.mockImplementation(everyUser as never);
  db.$connect.mockResolvedValue(undefined);
  db.$disconnect.mockResolvedValue(undefined);
  db.$transaction.mockImplementation((callback: (client: MockTransaction) => Promise<unknown>) => callback(tx));
  return { db, tx };
}

/** Every call the applier can make on the transaction, by name. */
function transactionCalls(tx: MockTransaction): Record<string, { mock: { invocationCallOrder: number[] } }> {
  return {
    "role.findMany": tx.role.findMany,
    "userProfile.findMany": tx.userProfile.findMany,
    "userRole.findMany": tx.userRole.findMany,
    "seedGrant.findMany": tx.seedGrant.findMany,
    "role.upsert": tx.role.upsert,
    "userProfile.createMany": tx.userProfile.createMany,
    "userProfile.updateMany": tx.userProfile.updateMany,
    "userProfile.upsert": tx.userProfile.upsert,
    "userRole.createMany": tx.userRole.createMany,
    "seedGrant.createMany": tx.seedGrant.createMany,
  };
}

/**
 * The calls made on the transaction before the seed's advisory lock, by name:
 * the one order that is the applier's contract is that there are none (and
 * with no lock taken, every call was made without it).
 */
export function callsBeforeLock(tx: MockTransaction): string[] {
  const lockedAt = Math.min(...tx.$executeRaw.mock.invocationCallOrder);
  return Object.entries(transactionCalls(tx))
    .filter(([, fn]) => fn.mock.invocationCallOrder.some((order) => order < lockedAt))
    .map(([name]) => name);
}

/** Every row the applier asked to write, per table and kind of write, across batches; empty lists where none. */
export function rowsWritten(tx: MockTransaction) {
  const dataOf = (calls: ReadonlyArray<readonly [{ data: unknown }, ...unknown[]]>) =>
    calls.flatMap(([args]) => (Array.isArray(args.data) ? (args.data as unknown[]) : [args.data]));
  return {
    roles: tx.role.upsert.mock.calls.map(([args]) => args.create),
    profilesCreated: dataOf(tx.userProfile.createMany.mock.calls as never),
    profilesUpdated: tx.userProfile.updateMany.mock.calls.map(([args]) => ({ where: args.where, data: args.data })),
    profilesUpserted: tx.userProfile.upsert.mock.calls.map(([args]) => args.create),
    userRoles: dataOf(tx.userRole.createMany.mock.calls as never),
    seedGrants: dataOf(tx.seedGrant.createMany.mock.calls as never),
  };
}

/** What `rowsWritten` says of an applier that wrote nothing. */
export const NOTHING_WRITTEN = {
  roles: [],
  profilesCreated: [],
  profilesUpdated: [],
  profilesUpserted: [],
  userRoles: [],
  seedGrants: [],
} as const;
