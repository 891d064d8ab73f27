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

/** The order in which `mocks` were first called, by their names; the uncalled are left out. */
export function callOrder(mocks: Record<string, { mock: { invocationCallOrder: number[] } }>): string[] {
  return Object.entries(mocks)
    .flatMap(([name, fn]) => fn.mock.invocationCallOrder.map((order) => [order, name] as const))
    .sort(([a], [b]) => a - b)
    .map(([, name]) => name);
}

/** Every call the applier can make, by name: for `callOrder`. */
export function applierCalls(tx: MockTransaction) {
  return {
    lock: tx.$executeRaw,
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
