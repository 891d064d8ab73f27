import { describe, expect, it } from "vitest";

import { ROLES } from "../../../src/roles.js";
import { applySeed } from "../../../src/seed/apply.js";
import type { Resolution } from "../../../src/seed/resolve.js";
import { mockDatabase } from "../../support/mock-database.js";

const ALICE = "11111111-1111-4111-8111-111111111111";
const BOB = "22222222-2222-4222-8222-222222222222";
const alice: Resolution = {
  entry: { email: "alice@example.org", name: "Alice", organisation: "North Trust", role: "Admin" },
  lookup: { status: "resolved", sub: ALICE },
};
const bob: Resolution = {
  entry: { email: "bob@example.org", name: "Bob", organisation: "South Trust", role: "Viewer" },
  lookup: { status: "resolved", sub: BOB },
};

/** The values of the raw statement recorded as `name`. */
function valuesOf(tx: ReturnType<typeof mockDatabase>["tx"], name: string): unknown[] | undefined {
  const call = tx.$executeRaw.mock.calls.find(([strings]) => (strings as TemplateStringsArray).join("?").includes(name));
  return call?.slice(1);
}

describe("applySeed", () => {
  it("takes the advisory lock, reads the state in one query, then writes one statement a table, in one transaction", async () => {
    const { db, calls } = mockDatabase();
    const { written } = await applySeed(db, [alice, bob], { dryRun: false, timeoutMs: 60_000 });
    expect(calls).toEqual(["advisory lock", "read state", "upsert roles", "upsert profiles", "insert user roles", "insert seed grants"]);
    expect(db.$transaction).toHaveBeenCalledTimes(1);
    expect(db.$transaction.mock.calls[0]?.[1]).toMatchObject({ timeout: 60_000 });
    expect(written).toEqual({ roles: 3, profilesCreated: 2, profilesUpdated: 0, userRoles: 2, seedGrants: 2 });
  });

  it("sends the rows as parallel arrays, whatever their number", async () => {
    const { db, tx } = mockDatabase();
    await applySeed(db, [alice, bob], { dryRun: false, timeoutMs: 1_000 });
    expect(valuesOf(tx, "INSERT INTO user_profile")).toEqual([[ALICE, BOB], ["Alice", "Bob"], ["North Trust", "South Trust"]]);
    expect(valuesOf(tx, "INSERT INTO user_role")).toEqual([[ALICE, BOB], [ROLES[0].id, ROLES[2].id]]);
    expect(valuesOf(tx, "INSERT INTO roles")).toEqual([ROLES.map((r) => r.id), ROLES.map((r) => r.name), ROLES.map((r) => r.description)]);
  });

  it("reads only the manifest's resolved users", async () => {
    const { db, tx } = mockDatabase();
    await applySeed(db, [alice, { entry: { ...alice.entry, email: "x@example.org" }, lookup: { status: "not_found" } }], {
      dryRun: false,
      timeoutMs: 1_000,
    });
    expect(tx.$queryRaw.mock.calls[0]?.slice(1)).toEqual([[ALICE], [ALICE], [ALICE]]);
  });

  it("writes nothing when nothing changed", async () => {
    const { db, calls } = mockDatabase({
      roles: [...ROLES],
      profiles: [{ userId: ALICE, name: "Alice", organisation: "North Trust" }],
      userRoles: [{ userId: ALICE }],
      seedGrants: [{ userId: ALICE }],
    });
    const result = await applySeed(db, [alice], { dryRun: false, timeoutMs: 1_000 });
    expect(calls).toEqual(["advisory lock", "read state"]);
    expect(result.written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 });
    expect(result.plan.users[0]).toMatchObject({ profile: "unchanged", grant: "keep" });
  });

  it("in a dry run, plans everything and writes nothing", async () => {
    const { db, calls } = mockDatabase();
    const { plan, written } = await applySeed(db, [alice], { dryRun: true, timeoutMs: 1_000 });
    expect(plan.profileCreates).toHaveLength(1);
    expect(calls).toEqual(["advisory lock", "read state"]);
    expect(written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 });
  });
});
