import { mockDeep } from "vitest-mock-extended";

import type { Database } from "../../src/db.js";
import type { Prisma } from "../../src/generated/prisma/client.js";
import type { ROLES } from "../../src/roles.js";

/** A database whose transaction runs its callback on a mocked transaction client that records its calls in order. */
export interface CurrentRows {
  roles?: Array<(typeof ROLES)[number]>;
  profiles?: Array<{ userId: string; name: string; organisation: string }>;
  seedGrants?: Array<{ userId: string }>;
}

export function mockDatabase(current: CurrentRows = {}) {
  const db = mockDeep<Database>();
  const tx = mockDeep<Prisma.TransactionClient>();
  const calls: string[] = [];
  const record = (name: string, value: unknown) => () => {
    calls.push(name);
    return Promise.resolve(value);
  };
  // The advisory lock and the profile upsert are both raw statements; tell them apart by their SQL.
  tx.$executeRaw.mockImplementation(((strings: TemplateStringsArray) => {
    const sql = strings.join("?");
    calls.push(sql.includes("pg_advisory_xact_lock") ? "advisory lock" : sql.includes("INSERT INTO user_profile") ? "upsert profiles" : sql);
    return Promise.resolve(1);
  }) as never);
  tx.role.findMany.mockImplementation(record("read roles", current.roles ?? []) as never);
  tx.userProfile.findMany.mockImplementation(record("read profiles", current.profiles ?? []) as never);
  tx.userRole.findMany.mockImplementation(record("read user roles", []) as never);
  tx.seedGrant.findMany.mockImplementation(record("read seed grants", current.seedGrants ?? []) as never);
  tx.role.upsert.mockImplementation(record("upsert role", {}) as never);
  tx.userProfile.upsert.mockImplementation(record("upsert profile", {}) as never);
  const insert = (name: string) => (args: { data: unknown[] }) => {
    calls.push(name);
    return Promise.resolve({ count: args.data.length });
  };
  tx.userRole.createMany.mockImplementation(insert("insert user roles") as never);
  tx.seedGrant.createMany.mockImplementation(insert("insert seed grants") as never);
  db.$disconnect.mockResolvedValue(undefined);
  db.$transaction.mockImplementation(((callback: (client: typeof tx) => Promise<unknown>) => callback(tx)) as never);
  return { db, tx, calls };
}

