import { mockDeep } from "vitest-mock-extended";

import type { Database } from "../../src/db.js";
import type { Prisma } from "../../src/generated/prisma/client.js";
import type { ROLES } from "../../src/roles.js";

export interface CurrentRows {
  roles?: Array<(typeof ROLES)[number]>;
  profiles?: Array<{ userId: string; name: string; organisation: string }>;
  userRoles?: Array<{ userId: string }>;
  seedGrants?: Array<{ userId: string }>;
}

/** Which of the applier's statements a raw SQL text is. */
function statementName(sql: string): string {
  if (sql.includes("pg_advisory_xact_lock")) return "advisory lock";
  if (sql.includes("INSERT INTO roles")) return "upsert roles";
  if (sql.includes("INSERT INTO user_profile")) return "upsert profiles";
  if (sql.includes("INSERT INTO user_role")) return "insert user roles";
  if (sql.includes("INSERT INTO seed_grant")) return "insert seed grants";
  return sql;
}

/**
 * A database whose transaction runs its callback on a mocked transaction
 * client: `$queryRaw` answers the state read with `current`, `$executeRaw`
 * reports as many rows written as it was given, and every statement is
 * recorded by name, in order.
 */
export function mockDatabase(current: CurrentRows = {}) {
  const db = mockDeep<Database>();
  const tx = mockDeep<Prisma.TransactionClient>();
  const calls: string[] = [];
  tx.$queryRaw.mockImplementation((() => {
    calls.push("read state");
    return Promise.resolve([
      ...(current.roles ?? []).map((r) => ({ kind: "role", id: r.id, name: r.name, detail: r.description })),
      ...(current.profiles ?? []).map((p) => ({ kind: "profile", id: p.userId, name: p.name, detail: p.organisation })),
      ...(current.userRoles ?? []).map((u) => ({ kind: "user_role", id: u.userId, name: null, detail: null })),
      ...(current.seedGrants ?? []).map((g) => ({ kind: "seed_grant", id: g.userId, name: null, detail: null })),
    ]);
  }) as never);
  tx.$executeRaw.mockImplementation(((strings: TemplateStringsArray, ...values: unknown[]) => {
    calls.push(statementName(strings.join("?")));
    // The first array is one entry a row written.
    const rows = values.find(Array.isArray) as unknown[] | undefined;
    return Promise.resolve(rows?.length ?? 1);
  }) as never);
  db.$disconnect.mockResolvedValue(undefined);
  db.$transaction.mockImplementation(((callback: (client: typeof tx) => Promise<unknown>) => callback(tx)) as never);
  return { db, tx, calls };
}
